#!/bin/sh
# Task supervisor: one per process task, detached from the engine (own session), so tasks outlive
# an engine restart. It starts the task in a session of its own (so the engine can signal the whole
# process group), waits for it, and records the exit status for whichever engine is running then.
#   supervisor.sh <sandbox> <memory-cgroup|-> <cpu-cgroup|-> <exits-dir|-> -- <argv...>
# Files in <sandbox>/.baton/: task.pid (pid = pgid of the task), exit (status; >128 = signal).
# Once the exit is recorded, an empty file named after the sandbox (the task id) in <exits-dir>
# tells the engine watching that directory to look at this task now.
set -u
sandbox=$1; cg_mem=$2; cg_cpu=$3; exits=$4; shift 5
cd "$sandbox" || exit 111
# Signals meant for the task must not kill its supervisor; a caught (not ignored) signal is reset
# to its default in the task, so the task still gets the default behaviour.
trap ':' HUP INT TERM
[ "$cg_mem" != "-" ] && echo $$ > "$cg_mem/cgroup.procs"
[ "$cg_cpu" != "-" ] && echo $$ > "$cg_cpu/cgroup.procs"
# This shell is a group leader, but the forked child is not: setsid then works in-process and the
# task keeps the child's pid, which is also its process group id.
setsid "$@" > stdout 2> stderr < /dev/null &
pid=$!
# One write of "<pid>\n" (echo is a builtin; an mv would cost a fork and an exec per task, which is
# what limits how fast a thousand tasks start); readers take the file only once its line is whole.
echo "$pid" > .baton/task.pid
while :; do
  wait "$pid"; status=$?
  kill -0 "$pid" 2>/dev/null || break   # wait returns early when a trapped signal arrives
done
# A full disk refuses the status: it is written again every second until it is taken (the task
# counts as running meanwhile; the engine can record nothing while its own store is refused either).
# A sandbox that is gone (its state directory deleted) has nobody left to tell: stop trying.
until { echo "$status" > .baton/exit.tmp && mv .baton/exit.tmp .baton/exit; } 2>/dev/null; do
  [ -d .baton ] || exit 0
  sleep 1
done
[ "$exits" != "-" ] && : > "$exits/${sandbox##*/}" 2>/dev/null
exit 0

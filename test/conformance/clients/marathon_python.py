#!/usr/bin/python3
"""Drive a Marathon API with marathon-python (Debian's python3-marathon), as its users do.

Reads a JSON configuration on stdin: {"url", "prefix", "httpCmd", "image", "dockerCmd"}. Runs the
client's calls in order, each with the client's own defaults and encodings, and prints one JSON
line per step: {"step", "ok", "value" | "error", "refused"}. It asserts nothing itself: the vitest
test (marathon-python.test.ts) holds the expectations, so a failure shows the whole run.

"refused": keys of the server's answer that the client's models do not take (its `from_json`
passes every key to a constructor with fixed arguments, so one unknown key fails the call). The
step is then repeated on the raw answer with those keys removed, to go on and to list all of them.
"""
import json
import re
import sys
import threading
import time

import marathon
from marathon.exceptions import MarathonHttpError
from marathon.models import MarathonApp, MarathonConstraint, MarathonGroup, MarathonHealthCheck
from marathon.models.container import MarathonContainer
from marathon.util import to_snake_case

cfg = json.load(sys.stdin)
c = marathon.MarathonClient(cfg["url"], auth_token=cfg.get("token") or None, timeout=30)
P = cfg["prefix"]
results = {}


def emit(step, ok, **kw):
    line = {"step": step, "ok": ok, **kw}
    results[step] = line
    print(json.dumps(line, default=str), flush=True)


def strip(data, key):
    """`data` without any key whose snake_case is `key`, at any depth."""
    if isinstance(data, list):
        return [strip(v, key) for v in data]
    if isinstance(data, dict):
        return {k: strip(v, key) for k, v in data.items() if to_snake_case(k) != key}
    return data


def build(clazz, data):
    """The client's model from raw JSON, as far as it takes it: (model, refused keys)."""
    refused = []
    while True:
        try:
            if isinstance(data, list):
                return [clazz.from_json(d) for d in data], refused
            return clazz.from_json(data), refused
        except TypeError as e:
            m = re.search(r"unexpected keyword argument '(\w+)'", str(e))
            if not m or m.group(1) in refused:
                raise
            refused.append(m.group(1))
            data = strip(data, m.group(1))


def raw(method, path, params=None):
    return c._do_request(method, path, params=params).json()


def step(name, fn, fallback=None, describe=lambda v: v):
    """Run one client call; on a refused key, `fallback()` -> (value, refused) from the raw answer."""
    try:
        v = fn()
        emit(name, True, value=describe(v), refused=[])
        return v
    except TypeError as e:
        if fallback is None:
            emit(name, False, error=f"TypeError: {e}")
            return None
        v, refused = fallback()
        emit(name, True, value=describe(v), refused=refused, clientError=f"TypeError: {e}")
        return v
    except MarathonHttpError as e:
        emit(name, False, error=f"HTTP {e.status_code}: {e.error_message}", status=e.status_code)
        return e
    except Exception as e:  # anything else is a failure to report, not to hide
        emit(name, False, error=f"{type(e).__name__}: {e}")
        return None


def expect_http_error(name, fn):
    """A call that must be refused (409 while locked, ...): report the status it got."""
    try:
        v = fn()
        emit(name, False, error="expected an HTTP error", value=str(v))
    except MarathonHttpError as e:
        emit(name, True, value={"status": e.status_code, "message": e.error_message, "type": type(e).__name__})


def app_ids(deployment):
    return deployment.affected_apps or []


def wait_deployments(name, timeout=60):
    """Until no deployment touches the prefix (the client's list_deployments, polled)."""
    end = time.time() + timeout
    while time.time() < end:
        mine = [d for d in c.list_deployments() if any(a.startswith(P) for a in app_ids(d))]
        if not mine:
            emit(name, True, value="settled")
            return True
        time.sleep(0.25)
    emit(name, False, error=f"deployments still running after {timeout}s")
    return False


def wait_for(name, pred, timeout=30):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = pred()
            if last:
                emit(name, True, value=last)
                return last
        except Exception as e:  # noqa: BLE001 - report what it was when time ran out
            last = f"{type(e).__name__}: {e}"
        time.sleep(0.25)
    emit(name, False, error=f"timed out; last: {last}")
    return None


def health(interval=1):
    return [MarathonHealthCheck(protocol="HTTP", path="/", port_index=0, interval_seconds=interval,
                                timeout_seconds=1, grace_period_seconds=15, max_consecutive_failures=3)]


def web_app(app_id, instances, **kw):
    return MarathonApp(id=app_id, cmd=cfg["httpCmd"], instances=instances, cpus=0.02, mem=32,
                       port_definitions=[{"port": 0}], **kw)


# -- the server -------------------------------------------------------------------------------
step("ping", c.ping, describe=lambda v: v.decode())
step("info", c.get_info, lambda: build(marathon.models.MarathonInfo, raw("GET", "/v2/info")),
     describe=lambda i: {"name": i.name, "version": i.version, "leader": i.leader, "elected": i.elected})
step("leader", c.get_leader)

# -- apps: create (command with HTTP health checks, labels, constraints; Docker) --------------
web = f"{P}/web"
step("create_app", lambda: c.create_app(web, web_app(
    web, 2, labels={"team": "conformance", "tier": "web"},
    constraints=[MarathonConstraint("hostname", "UNIQUE")], health_checks=health())),
    describe=lambda a: {"id": a.id, "instances": a.instances, "deployments": len(a.deployments)})
docker = f"{P}/docker"
step("create_docker_app", lambda: c.create_app(docker, MarathonApp(
    id=docker, cmd=cfg["dockerCmd"], instances=1, cpus=0.02, mem=32, port_definitions=[{"port": 0}],
    container=MarathonContainer.from_json({"type": "DOCKER", "docker": {"image": cfg["image"]}}),
    health_checks=[MarathonHealthCheck(protocol="TCP", port_index=0, interval_seconds=1, timeout_seconds=1,
                                       grace_period_seconds=15)])),
    describe=lambda a: {"id": a.id, "image": a.container.docker.image})
expect_http_error("create_app_exists", lambda: c.create_app(web, web_app(web, 1)))
wait_deployments("deployed")

# -- list and get, with every embed the client knows ------------------------------------------
everything = dict(embed_tasks=True, embed_counts=True, embed_deployments=True, embed_readiness=True,
                  embed_last_task_failure=True, embed_failures=True, embed_task_stats=True)
step("list_apps", lambda: c.list_apps(app_id=P, **everything),
     lambda: build(MarathonApp, raw("GET", "/v2/apps", {"id": P, "embed": ["app.tasks"]})["apps"]),
     describe=lambda apps: sorted([{"id": a.id, "running": a.tasks_running, "healthy": a.tasks_healthy,
                                    "tasks": len(a.tasks)} for a in apps], key=lambda a: a["id"]))
step("list_apps_by_label", lambda: c.list_apps(label="tier==web"),
     describe=lambda apps: [a.id for a in apps if a.id.startswith(P)])
step("list_apps_by_cmd", lambda: c.list_apps(cmd=cfg["dockerCmd"].split()[0].upper()),
     describe=lambda apps: [a.id for a in apps if a.id.startswith(P)])
app = step("get_app", lambda: c.get_app(web, **everything),
           describe=lambda a: {"id": a.id, "running": a.tasks_running, "healthy": a.tasks_healthy,
                               "hosts": sorted(t.host for t in a.tasks),
                               "alive": [all(h.alive for h in t.health_check_results) for t in a.tasks],
                               "labels": a.labels, "constraints": [repr(x) for x in a.constraints],
                               "version": a.version,
                               "statsRunning": a.task_stats.total_summary.stats.counts.running,
                               "statsHealthy": a.task_stats.with_latest_config.stats.counts.healthy})
step("list_tasks_of_app", lambda: c.list_tasks(web), describe=lambda ts: sorted(t.app_id for t in ts))
step("list_tasks", lambda: c.list_tasks(), describe=lambda ts: len([t for t in ts if t.app_id.startswith(P)]))
step("get_app_missing", lambda: c.get_app(f"{P}/nope"))

# -- update, with and without force, while a deployment runs ----------------------------------
step("update_app", lambda: c.update_app(web, MarathonApp(env={"RELEASE": "2"}), force=False))
expect_http_error("update_app_locked", lambda: c.update_app(web, MarathonApp(env={"RELEASE": "3"})))
step("update_app_forced", lambda: c.update_app(web, MarathonApp(env={"RELEASE": "3"}), force=True))
wait_deployments("updated")
step("updated_env", lambda: c.get_app(web).env)

# -- scale, restart ------------------------------------------------------------------------------
step("scale_app", lambda: c.scale_app(web, instances=3))
wait_deployments("scaled")
step("scale_app_delta", lambda: c.scale_app(web, delta=-1))
wait_deployments("scaled_back")
step("instances_after_scaling", lambda: c.get_app(web).instances)
step("restart_app", lambda: c.restart_app(web))
wait_deployments("restarted")

# -- kill tasks: one (relaunched), several with scale, all of an app, one with wipe ----------------
multi = f"{P}/multi"
step("create_multi", lambda: c.create_app(multi, MarathonApp(id=multi, cmd="sleep 3600", instances=4, cpus=0.01, mem=16)),
     describe=lambda a: a.id)
wait_deployments("multi_deployed")
tasks = c.list_tasks(multi)
first = tasks[0].id if tasks else None
step("kill_task", lambda: c.kill_task(multi, first), describe=lambda t: t.id)
wait_for("kill_task_relaunched", lambda: len([t for t in c.list_tasks(multi) if t.id != first and t.state == "TASK_RUNNING"]) == 4 and "4 running")
ids = [t.id for t in c.list_tasks(multi)][:2]
step("kill_given_tasks_scale", lambda: c.kill_given_tasks(ids, scale=True))
wait_deployments("multi_scaled_down")
step("instances_after_kill_scale", lambda: c.get_app(multi).instances)
step("kill_tasks_of_app", lambda: c.kill_tasks(multi), describe=lambda ts: len(ts) if isinstance(ts, list) else ts)
wait_for("kill_tasks_relaunched", lambda: len([t for t in c.list_tasks(multi) if t.state == "TASK_RUNNING"]) == 2 and "2 running")
victim = c.list_tasks(multi)[0].id
step("kill_task_wipe", lambda: c.kill_task(multi, victim, wipe=True), describe=lambda t: t.id if hasattr(t, "id") else t)
wait_for("wiped_replaced", lambda: len([t for t in c.list_tasks(multi) if t.id != victim and t.state == "TASK_RUNNING"]) == 2 and "replaced")

# -- versions and rollback ------------------------------------------------------------------------
versions = step("list_versions", lambda: c.list_versions(web))
oldest = versions[-1] if isinstance(versions, list) and versions else None
step("get_version", lambda: c.get_version(web, oldest),
     describe=lambda a: {"instances": a.instances, "env": a.env})
step("rollback_app", lambda: c.rollback_app(web, oldest))
wait_deployments("rolled_back")
step("after_rollback", lambda: {"instances": c.get_app(web).instances, "env": c.get_app(web).env})

# -- deployments: list, delete (= revert), delete with force (= cancel) ---------------------------
stuck = f"{P}/stuck"
never = MarathonApp(id=stuck, cmd=cfg["httpCmd"], instances=1, cpus=0.01, mem=32, port_definitions=[{"port": 0}],
                    health_checks=[MarathonHealthCheck(protocol="HTTP", path="/never-there", port_index=0,
                                                       interval_seconds=1, timeout_seconds=1,
                                                       grace_period_seconds=300, max_consecutive_failures=0)])
step("create_stuck", lambda: c.create_app(stuck, never), describe=lambda a: a.id)
deps = step("list_deployments", lambda: [d for d in c.list_deployments() if stuck in app_ids(d)],
            describe=lambda ds: [{"apps": d.affected_apps, "steps": d.total_steps,
                                  "actions": [a.action for a in d.current_actions]} for d in ds])
dep_id = deps[0].id if isinstance(deps, list) and deps else None
step("delete_deployment", lambda: c.delete_deployment(dep_id))
wait_deployments("reverted")
step("stuck_after_revert", lambda: [a.id for a in c.list_apps(app_id=stuck)])
step("create_stuck_again", lambda: c.create_app(stuck, never), describe=lambda a: a.id)
deps = [d for d in c.list_deployments() if stuck in app_ids(d)]
step("delete_deployment_force", lambda: c.delete_deployment(deps[0].id, force=True))
wait_deployments("cancelled")
step("stuck_after_cancel", lambda: [a.id for a in c.list_apps(app_id=stuck)])
step("delete_stuck", lambda: c.delete_app(stuck, force=True))

# -- groups ------------------------------------------------------------------------------------
grp = f"{P}/grp"
step("create_group", lambda: c.create_group(MarathonGroup(
    id=grp, apps=[MarathonApp(id=f"{grp}/a", cmd="sleep 3600", instances=1, cpus=0.01, mem=16)])))
wait_deployments("group_deployed")
step("get_group", lambda: c.get_group(grp), lambda: build(MarathonGroup, raw("GET", f"/v2/groups{grp}")),
     describe=lambda g: {"id": g.id, "apps": [a.id for a in g.apps]})
step("list_groups", lambda: c.list_groups(), lambda: build(MarathonGroup, raw("GET", "/v2/groups")["groups"]),
     describe=lambda gs: [g.id for g in gs])
step("update_group", lambda: c.update_group(grp, MarathonGroup(
    apps=[MarathonApp(id=f"{grp}/a", cmd="sleep 3600", instances=2, cpus=0.01, mem=16)])))
wait_deployments("group_updated")
step("scale_group", lambda: c.scale_group(grp, 2))
wait_deployments("group_scaled")
step("group_instances", lambda: c.get_app(f"{grp}/a").instances)
step("rollback_group", lambda: c.rollback_group(grp, "2020-01-01T00:00:00.000Z"))
step("delete_group", lambda: c.delete_group(grp, force=True))
wait_deployments("group_deleted")

# -- the queue: an app in backoff, and its delay reset ---------------------------------------------
crashy = f"{P}/crashy"
step("create_crashy", lambda: c.create_app(crashy, MarathonApp(id=crashy, cmd="exit 1", instances=1, cpus=0.01,
                                                               mem=16, backoff_seconds=60)), describe=lambda a: a.id)

def wait_queue():
    end = time.time() + 20
    while time.time() < end:
        try:
            items = [q for q in c.list_queue() if q.app.id == crashy]
            refused = []
        except TypeError:
            items_raw = [q for q in raw("GET", "/v2/queue")["queue"] if q.get("app", {}).get("id") == crashy]
            items, refused = build(marathon.models.MarathonQueueItem, items_raw)
            results["queue_refused"] = refused
        if items and items[0].delay.time_left_seconds > 0:
            return {"count": items[0].count, "backoff": items[0].delay.time_left_seconds > 0, "refused": refused}
        time.sleep(0.25)
    raise RuntimeError("the app never waited in the queue")


step("queue", wait_queue)
step("reset_delay", lambda: c.reset_delay(crashy))
step("last_task_failure", lambda: c.get_app(crashy, embed_last_task_failure=True).last_task_failure,
     describe=lambda f: {"state": f.state, "message": f.message} if f else None)
step("delete_crashy", lambda: c.delete_app(crashy, force=True))  # its deployment never ends: locked

# -- the event stream: subscribe with a filter, see deployment and status events -----------------
events = []
stop = threading.Event()


def listen():
    try:
        for ev in c.event_stream(event_types=["deployment_success", "status_update_event", "api_post_event"]):
            events.append(ev)
            if stop.is_set():
                return
    except Exception as e:  # noqa: BLE001
        events.append(e)


threading.Thread(target=listen, daemon=True).start()
time.sleep(1)
evt = f"{P}/evt"
step("create_evt", lambda: c.create_app(evt, MarathonApp(id=evt, cmd="sleep 3600", instances=1, cpus=0.01, mem=16)),
     describe=lambda a: a.id)
wait_for("events", lambda: any(getattr(e, "event_type", "") == "deployment_success" for e in events)
         and any(getattr(e, "app_id", "") == evt and getattr(e, "task_status", "") == "TASK_RUNNING" for e in events)
         and sorted({getattr(e, "event_type", type(e).__name__) for e in events}))
stop.set()
step("event_classes", lambda: sorted({type(e).__name__ for e in events}))
step("status_update", lambda: [e.task_status for e in events
                               if getattr(e, "event_type", "") == "status_update_event" and e.app_id == evt])

# -- delete: force=True (as the client writes it: "True"), and the default ---------------------------
step("delete_app_force", lambda: c.delete_app(web, force=True))
step("delete_app", lambda: c.delete_app(docker))
step("delete_multi", lambda: c.delete_app(multi))
step("delete_evt", lambda: c.delete_app(evt))
wait_deployments("deleted")
step("remaining", lambda: [a.id for a in c.list_apps(app_id=P)])
print(json.dumps({"done": True}), flush=True)

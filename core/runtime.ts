import type { App, Pod } from './marathon/types.js';

/**
 * The task-runtime port: how the embedded engine starts, watches and stops one task. Runtime
 * plugins (mesos for command tasks, docker for images) implement it and register with the engine
 * through the hooks the engine publishes; the engine never knows how a task is run.
 */
export interface AgentInfo {
  id: string;
  hostname: string;
  /** The agent's own loopback address; tasks bind it. */
  address: string;
  /** Where this agent keeps sandboxes and volumes. */
  workDir: string;
}

export interface TaskLaunch {
  taskId: string;
  instanceId: string;
  app: App;
  /** For a pod instance: the pod (its containers launch together); `app` is the engine's run spec of it. */
  pod?: Pod;
  agent: AgentInfo;
  /** The task's sandbox directory (created by the engine; stdout/stderr live here). */
  sandbox: string;
  /** The task's environment (marathon-semantics.md §8), computed by the engine. */
  env: Record<string, string>;
  /** Host ports allocated to the task, by port index. */
  ports: number[];
  /** SIGTERM → SIGKILL gap. */
  killGraceSeconds: number;
  /** Name servers for the task (the engine's DNS, when a discovery plugin serves one on port 53). */
  dns?: string[];
  /**
   * Persistent local volumes of the task's reservation (marathon-semantics.md §5), already created on the
   * agent: a runtime shows each at `<sandbox>/<containerPath>` (process tasks: a link; containers: a bind mount).
   */
  volumes?: TaskVolume[];
}

/** A persistent volume as a runtime mounts it. */
export interface TaskVolume {
  /** Relative, one segment (marathon-semantics.md §5.1): where it appears in the sandbox. */
  containerPath: string;
  /** The volume's directory on the agent. */
  hostPath: string;
  persistenceId: string;
}

/** What the engine persists about a launched task so that a restarted engine can adopt it. */
export interface TaskHandle {
  taskId: string;
  runtime: string;
  /** Runtime-specific data: pid and its start time, container id, ... (JSON-serialisable). */
  data: Record<string, unknown>;
}

export type TerminalState =
  'TASK_FINISHED' | 'TASK_FAILED' | 'TASK_KILLED' | 'TASK_ERROR' | 'TASK_GONE' | 'TASK_DROPPED';

export interface TaskExit {
  state: TerminalState;
  exitCode?: number;
  signal?: string;
  /** Human words: "exited with code 3", "killed by SIGKILL", "out of memory". */
  message: string;
  /** Mesos-style reason, e.g. REASON_CONTAINER_LIMITATION_MEMORY. */
  reason?: string;
}

export type TaskStatus = { running: true } | { running: false; exit: TaskExit };

export interface TaskRuntime {
  readonly name: string;
  /** True when this runtime runs the app (e.g. mesos: no image; docker: an image). */
  accepts(app: App): boolean;
  /** True when this runtime launches pod instances (all containers of the pod together). */
  acceptsPod?(pod: Pod): boolean;
  /** How tasks are isolated, in words, for `engine status`. */
  isolation(): string;
  launch(t: TaskLaunch): Promise<TaskHandle>;
  /** Cheap: called often for every live task. Must work for tasks launched by an earlier engine. */
  inspect(h: TaskHandle): Promise<TaskStatus>;
  /** Stop the task: SIGTERM, then SIGKILL after the grace period. Resolves once it is gone. */
  kill(h: TaskHandle, graceSeconds: number): Promise<void>;
  /**
   * Run a command inside the task's context (its sandbox, environment, network): COMMAND health
   * checks. Resolves with the exit code (null when it timed out or could not run).
   */
  exec?(h: TaskHandle, command: string, timeoutMs: number): Promise<{ exitCode: number | null; output: string }>;
  /**
   * Paths of the task's stdout and stderr files; for a task of several containers (a pod), those
   * of the named one (undefined when it has none of that name), else of its first.
   */
  logFiles(h: TaskHandle, sandbox: string, container?: string): { stdout: string; stderr: string } | undefined;
  /**
   * An engine died between starting a launch and recording its handle: find the task from its
   * sandbox (or labels) so it is adopted rather than duplicated. Undefined when nothing started.
   */
  recover?(taskId: string, sandbox: string): Promise<TaskHandle | undefined>;
  /**
   * Remove what this runtime started for the engine but no task of the engine knows (stray
   * containers after a crash). Returns what it removed.
   */
  reconcile?(knownTaskIds: Set<string>): Promise<string[]>;
  /** Free what the task held (cgroups, containers) once it is terminal. */
  cleanup?(h: TaskHandle): Promise<void>;
  /**
   * Hear of tasks that may have changed state (exited, died, were removed), by task id, so the
   * engine inspects those at once instead of every task on every tick; it still inspects each task
   * now and then, for what a runtime cannot see. No task id: anything may have changed (the runtime
   * lost its view for a while), inspect every task of this runtime. Returns a function that stops.
   */
  watch?(listener: (taskId?: string) => void): () => void;
}

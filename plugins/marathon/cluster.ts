import {
  httpRequest,
  BatonError,
  type App,
  type ClusterPort,
  type ClusterState,
  type InstanceEndpoint,
  type Pod,
} from '../../core/index.js';
import { appFromMarathon, definitionOf, podFromMarathon } from './translate.js';
import { MarathonClient, MarathonHttpError, type Endpoint, type MarathonDeploymentRef } from './client.js';

export interface TaskStatus {
  id: string;
  host: string;
  ports: number[];
  state: string;
  slaveId: string;
  version: string;
  startedAt?: string | null;
  healthCheckResults?: { alive: boolean; consecutiveFailures: number; lastFailureCause?: string }[];
}

export interface AppStatus {
  id: string;
  instances: number;
  healthChecks?: unknown[];
  readinessChecks?: unknown[];
  tasksRunning: number;
  tasksStaged: number;
  tasksHealthy: number;
  deployments: { id: string }[];
  version: string;
  tasks?: TaskStatus[];
  lastTaskFailure?: { message: string; taskId: string; timestamp: string; state?: string; version?: string };
}

/** A /v2/queue entry (the parts Baton reads; `baton` is the embedded engine's extension); `app` is a pod's too. */
export interface QueueItem {
  app: { id: string };
  count: number;
  delay: { timeLeftSeconds: number };
  processedOffersSummary?: { rejectSummaryLastOffers?: { reason: string; declined: number }[] };
  baton?: { placed: number; wanted: number; why: string; after?: string };
}

/** The cluster port over Marathon's REST API. */
export class MarathonCluster implements ClusterPort {
  readonly client: MarathonClient;
  constructor(
    readonly endpoint: Endpoint,
    readonly kind: string,
    readonly description: string,
  ) {
    this.client = new MarathonClient(endpoint);
  }

  async state(signal?: AbortSignal): Promise<ClusterState> {
    const { apps } = await this.client.get<{ apps: Record<string, unknown>[] }>('/v2/apps', signal);
    // Re-normalise what the target returns, so that comparisons with the recipe are like for like.
    return { apps: apps.map(appFromMarathon), pods: await this.pods(signal) };
  }

  /** Every pod, normalised as a recipe's. */
  private async pods(signal?: AbortSignal): Promise<Pod[]> {
    return (await this.podList<Pod>('/v2/pods', signal)).map(podFromMarathon);
  }

  /** A /v2/pods listing; none where the target does not support pods (it answers 404). */
  private async podList<T>(path: string, signal?: AbortSignal): Promise<T[]> {
    try {
      return await this.client.get<T[]>(path, signal);
    } catch (err) {
      if (err instanceof MarathonHttpError && err.status === 404) return [];
      throw err;
    }
  }

  /** Current definitions of the given apps (null where absent), to restore on rollback. */
  async endpoints(appId: string, signal?: AbortSignal): Promise<InstanceEndpoint[]> {
    const { tasks } = await this.client.get<{ tasks: TaskStatus[] }>(`/v2/apps${appId}/tasks`, signal);
    return tasks.filter((t) => t.state === 'TASK_RUNNING').map((t) => ({ taskId: t.id, host: t.host, ports: t.ports }));
  }

  /** The embedded engine's extension sections (DNS names, VIPs); empty for a plain Marathon. */
  async extensions(signal?: AbortSignal): Promise<Record<string, { perApp?: Record<string, string[]> }>> {
    try {
      return (
        (
          await this.client.get<{ extensions?: Record<string, { perApp?: Record<string, string[]> }> }>(
            '/baton/v1/status',
            signal,
          )
        ).extensions ?? {}
      );
    } catch (err) {
      if (err instanceof MarathonHttpError && err.status === 404) return {};
      throw err;
    }
  }

  /** /v2/pods/::status (empty where pods are not supported). */
  async podStatuses(signal?: AbortSignal): Promise<PodStatus[]> {
    return this.podList<PodStatus>('/v2/pods/::status', signal);
  }

  async definitions(ids: string[], signal?: AbortSignal): Promise<Map<string, App | null>> {
    const { apps } = await this.client.get<{ apps: Record<string, unknown>[] }>('/v2/apps', signal);
    const byId = new Map(apps.map((a) => [String(a.id), a]));
    return new Map(
      ids.map((id) => {
        const a = byId.get(id);
        return [id, a ? (definitionOf(a) as unknown as App) : null];
      }),
    );
  }

  async apps(embedTasks = false, signal?: AbortSignal): Promise<AppStatus[]> {
    const q = embedTasks ? '?embed=apps.tasks&embed=apps.lastTaskFailure' : '';
    return (await this.client.get<{ apps: AppStatus[] }>(`/v2/apps${q}`, signal)).apps;
  }

  /** Create or replace apps in one deployment (PUT /v2/apps, full definitions). */
  async putApps(apps: App[], force: boolean, signal?: AbortSignal): Promise<MarathonDeploymentRef> {
    return this.locked(() =>
      this.client.request<MarathonDeploymentRef>('PUT', `/v2/apps?partialUpdate=false&force=${force}`, apps, signal),
    );
  }

  /** Create or replace a pod (PUT /v2/pods/{id}, a full definition). */
  async putPod(pod: Pod, force: boolean, signal?: AbortSignal): Promise<MarathonDeploymentRef> {
    return this.locked(() =>
      this.client.request<MarathonDeploymentRef>('PUT', `/v2/pods${pod.id}?force=${force}`, pod, signal),
    );
  }

  async deletePod(id: string, force: boolean, signal?: AbortSignal): Promise<MarathonDeploymentRef> {
    return this.locked(() =>
      this.client.request<MarathonDeploymentRef>('DELETE', `/v2/pods${id}?force=${force}`, undefined, signal),
    );
  }

  /** Current definitions of the given pods (null where absent), to restore on rollback. */
  async podDefinitions(ids: string[], signal?: AbortSignal): Promise<Map<string, Pod | null>> {
    if (ids.length === 0) return new Map();
    const pods = await this.pods(signal);
    return new Map(ids.map((id) => [id, pods.find((p) => p.id === id) ?? null]));
  }

  async deleteApp(id: string, force: boolean, signal?: AbortSignal): Promise<MarathonDeploymentRef> {
    return this.locked(() =>
      this.client.request<MarathonDeploymentRef>('DELETE', `/v2/apps${id}?force=${force}`, undefined, signal),
    );
  }

  async restartApp(id: string, force: boolean): Promise<MarathonDeploymentRef> {
    return this.locked(() =>
      this.client.request<MarathonDeploymentRef>('POST', `/v2/apps${id}/restart?force=${force}`),
    );
  }

  async scaleApp(id: string, instances: number, force: boolean): Promise<MarathonDeploymentRef> {
    return this.locked(() =>
      this.client.request<MarathonDeploymentRef>('PUT', `/v2/apps${id}?force=${force}`, { instances }),
    );
  }

  /**
   * The newest version of an app whose deployment succeeded, other than `not` (the embedded engine
   * records outcomes; a plain Marathon does not, and this returns undefined).
   */
  async lastGoodVersion(id: string, not?: string): Promise<string | undefined> {
    try {
      const h = await this.client.get<{ versions: { version: string; outcomes: { outcome: string }[] }[] }>(
        `/baton/v1/apps${id}/history`,
      );
      return h.versions
        .filter((v) => v.version !== not && v.outcomes.some((o) => o.outcome === 'succeeded'))
        .map((v) => v.version)
        .sort()
        .pop();
    } catch {
      return undefined;
    }
  }

  async history(id: string): Promise<{
    current: string | null;
    versions: { version: string; outcomes: { outcome: string; deploymentId: string; at: string }[] }[];
  }> {
    try {
      return await this.client.get(`/baton/v1/apps${id}/history`);
    } catch (err) {
      if (!(err instanceof MarathonHttpError && err.status === 404)) throw err;
      // A plain Marathon: versions without outcomes.
      const { versions } = await this.client.get<{ versions: string[] }>(`/v2/apps${id}/versions`);
      const app = await this.client.get<{ app: { version: string } }>(`/v2/apps${id}`);
      return { current: app.app.version, versions: versions.map((version) => ({ version, outcomes: [] })) };
    }
  }

  /** PUT {"version": v}: Marathon's rollback to a stored version. */
  async rollbackTo(id: string, version: string, force: boolean): Promise<MarathonDeploymentRef> {
    return this.locked(() =>
      this.client.request<MarathonDeploymentRef>('PUT', `/v2/apps${id}?force=${force}`, { version }),
    );
  }

  /** The last lines of a task's stderr (the embedded engine serves them; Marathon does not). */
  async stderrTail(taskId: string, lines: number): Promise<string | undefined> {
    try {
      const r = await httpRequest(
        `${this.endpoint.url}/baton/v1/tasks/${encodeURIComponent(taskId)}/logs?stream=stderr&tail=${lines}`,
        { signal: AbortSignal.timeout(2000) },
      );
      return r.ok ? await r.text() : undefined;
    } catch {
      return undefined;
    }
  }

  async queue(signal?: AbortSignal): Promise<QueueItem[]> {
    // `embed=baton`: the embedded engine's reasons in words; a real Marathon ignores an embed it does not know.
    const { queue } = await this.client.get<{
      queue: (Omit<QueueItem, 'app'> & { app?: { id: string }; pod?: { id: string } })[];
    }>('/v2/queue?embed=baton', signal);
    // A pod waits under `pod`, an app under `app`: Baton reads both by id.
    return queue.map((q) => ({ ...q, app: (q.app ?? q.pod)! }));
  }

  async deployments(
    signal?: AbortSignal,
  ): Promise<{ id: string; affectedApps: string[]; currentStep: number; totalSteps: number }[]> {
    return this.client.get('/v2/deployments', signal);
  }

  /** Cancel a deployment without reverting (force=true); false when it already ended. */
  async cancel(id: string): Promise<boolean> {
    try {
      await this.client.request('DELETE', `/v2/deployments/${id}?force=true`);
      return true;
    } catch (err) {
      if (err instanceof MarathonHttpError && err.status === 404) return false;
      throw err;
    }
  }

  /** 409 and 422 become Baton's own errors (lock naming the deployment; validation with paths). */
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof MarathonHttpError && err.status === 409) {
        const ids = ((err.body.deployments as { id: string }[] | undefined) ?? []).map((d) => d.id);
        throw new BatonError(
          'BATON_DEPLOY_LOCKED',
          ids.length
            ? `The app is locked by deployment ${ids.join(', ')}; use --force to override it`
            : String(err.body.message),
          {
            data: { deployments: ids },
            details: ids.length ? `See ${this.endpoint.url}/v2/deployments` : undefined,
          },
        );
      }
      if (err instanceof MarathonHttpError && err.status === 422) {
        const details = (err.body.details as { path: string; errors: string[] }[] | undefined) ?? [];
        throw new BatonError(
          'BATON_RECIPE_INVALID',
          `${this.kind} rejected the definition: ${details.map((d) => `${d.path}: ${d.errors.join('; ')}`).join(', ')}`,
          { data: { details } },
        );
      }
      throw err;
    }
  }
}

/** The parts of Marathon's PodStatus that Baton shows (marathon-semantics.md §6.3). */
export interface PodStatus {
  id: string;
  status: string;
  spec: { scaling?: { instances?: number } };
  instances: {
    id: string;
    status: string;
    agentId: string | null;
    agentHostname: string | null;
    containers: {
      name: string;
      status: string;
      containerId: string;
      endpoints: { name: string; allocatedHostPort?: number; healthy?: boolean }[];
    }[];
    localVolumes?: { containerPath: string; persistenceId: string }[];
  }[];
}

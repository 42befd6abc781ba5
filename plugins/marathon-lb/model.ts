/** An app as marathon-lb reads it from `GET /v2/apps?embed=apps.tasks` (the parts it uses). */
export interface LbApp {
  id: string;
  labels?: Record<string, string>;
  portDefinitions?: { port: number; name?: string }[];
  container?: {
    portMappings?: { containerPort?: number; hostPort?: number; servicePort?: number; name?: string }[];
    docker?: { portMappings?: { servicePort?: number }[] };
  };
  networks?: { mode: string }[];
  healthChecks?: {
    protocol?: string;
    path?: string;
    portIndex?: number;
    port?: number;
    intervalSeconds?: number;
    timeoutSeconds?: number;
    maxConsecutiveFailures?: number;
  }[];
  instances?: number;
  versionInfo?: { lastScalingAt?: string };
  tasks?: LbTask[];
  /** Set on a merged deployment group with a traffic split: the colour app that gets `percent` of the traffic. */
  split?: Split;
}

/** A traffic split on a deployment group (canary): `app` gets `percent` %, the other colour the rest. */
export interface Split {
  group: string;
  app: string;
  percent: number;
}

export interface LbTask {
  id: string;
  host: string;
  ports: number[];
  state?: string;
  healthCheckResults?: { alive: boolean }[];
  /** The colour app a task of a merged deployment group belongs to. */
  appId?: string;
  /** Marked draining by the deployment-group merge: served `disabled` (MAINT), no new connections. */
  draining?: boolean;
}

/** One (app, service port) as it becomes an HAProxy frontend + backend (marathon-lb-semantics.md §1.3). */
export interface Service {
  appId: string;
  index: number;
  backend: string;
  servicePort: number;
  bindAddr: string;
  bindOptions?: string;
  mode: 'http' | 'tcp';
  balance: string;
  sticky: boolean;
  vhosts: string[];
  path?: string;
  weight: number;
  redirectToHttps: boolean;
  hsts: boolean;
  redirectRoot?: string;
  allowed?: string[];
  check?: { kind: 'http' | 'tcp'; path: string; intervalS: number; timeoutS: number; fall: number };
  servers: Server[];
}

export interface Server {
  name: string;
  id: number;
  ip: string;
  port: number;
  cookie: string;
  taskId: string;
  /** The app the task belongs to (a colour of a deployment group). */
  appId: string;
  disabled: boolean;
  /** HAProxy weight when a traffic split applies (0–256); absent: HAProxy's default (1). */
  weight?: number;
}

/** What one marathon-lb instance serves: its groups and where its shared frontends bind. */
export interface LbOptions {
  groups: string[];
  /** Address the 80/9091 frontends, the service ports and the stats page bind (the public agent's). */
  bindAddr: string;
  /** Where the stats page listens (default loopback); beyond loopback it needs `statsAuth`. */
  statsBind: string;
  statsAuth?: { user: string; password: string };
  /** Only tasks with a passing Marathon health check (marathon-lb's --health-check). */
  healthCheck: boolean;
  strict: boolean;
  /** Runtime files: stats socket, server state. */
  runDir: string;
  /** The shared frontends' ports (marathon-lb: 80, 443 and 9091) and the stats page's (9090). */
  ports?: { http: number; appId: number; stats: number; https?: number };
  /** Log every request to HAProxy's output (`<runDir>/haproxy.log`): BATON_LB_DEBUG_LOG=1. */
  requestLog?: boolean;
  /** PEM files (certificate + key) for the 443 frontend (marathon-lb's --ssl-certs); none: no 443 frontend. */
  certs?: string[];
}

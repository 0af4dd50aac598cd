/**
 * The Kafka bridge's contract: what a Kafka trigger says, what event a record becomes, and
 * the two functions the bridge is given (where triggers come from, how a workflow starts).
 * Nothing here names kafkajs, so another Kafka client can replace it behind the same shapes.
 */

export const DEFAULT_MAX_IN_FLIGHT = 64;
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
export const DEFAULT_DEAD_LETTER_TOPIC = 'pyfaas.dead-letter';
export const DEFAULT_REFRESH_MS = 5000;

/** A Kafka trigger as it is stored and submitted: one of `topic` or `topicPattern`. */
export interface KafkaTriggerSpec {
  /** A lowercase DNS label; it is part of every workflow id the trigger starts. */
  id: string;
  topic?: string;
  /** A regular expression (source text) matched against whole topic names. */
  topicPattern?: string;
  /** Default `pyfaas-<id>`. */
  groupId?: string;
  /** Where a group without committed offsets begins. Default `latest`. */
  startFrom?: 'earliest' | 'latest';
  /** Workflow starts in flight at once for this trigger. Default 64. */
  maxInFlight?: number;
  paused?: boolean;
  /** The function its records go to; absent when the starter picks one per record (the invoke topic). */
  functionName?: string;
  /** Key + value + header bytes above which a record is dead-lettered. Default 1 MiB. */
  maxRecordBytes?: number;
  /** Create `topic` when it does not exist yet (the platform's own topics, e.g. the invoke topic). Default false. */
  createTopic?: boolean;
}

/** A validated trigger with every default applied (see `parseKafkaTrigger`). */
export interface KafkaTrigger {
  id: string;
  topic?: string;
  topicPattern?: string;
  groupId: string;
  startFrom: 'earliest' | 'latest';
  maxInFlight: number;
  paused: boolean;
  functionName?: string;
  maxRecordBytes: number;
  createTopic?: boolean;
}

/**
 * The event one record becomes. Bytes that are not valid UTF-8 travel as base64 and say so:
 * `keyEncoding`, `valueEncoding`, and `base64Headers` (the header names concerned).
 */
export interface RecordEvent {
  topic: string;
  partition: number;
  /** A decimal string: offsets are 64-bit. */
  offset: string;
  key: string | null;
  keyEncoding: 'utf8' | 'base64';
  /** One value per name; for a name repeated in the record, the last one (as Kafka's lastHeader). */
  headers: Record<string, string>;
  base64Headers?: string[];
  /** The record's timestamp (ISO 8601), or null when the record carries none. */
  timestamp: string | null;
  /** Parsed JSON when the value is JSON, else its text, else base64; null for a tombstone. */
  value: unknown;
  valueEncoding: 'json' | 'text' | 'base64' | 'none';
}

export interface StartRequest {
  /** Derived from trigger, topic, partition and offset: the same record always gets the same id. */
  workflowId: string;
  trigger: KafkaTrigger;
  event: RecordEvent;
}

/** `duplicate`: a workflow with this id was already started; for the bridge that is success too. */
export type StartAnswer = 'started' | 'duplicate';

/**
 * Starts the workflow for one record with a reject-duplicate id policy. Any throw is retried
 * with backoff and the record is never skipped, except an `InputError` (or `LimitExceededError`),
 * which says this record can never be started: it goes to the dead-letter topic instead.
 */
export type WorkflowStarter = (request: StartRequest) => Promise<StartAnswer>;

/** The current triggers; polled every `refreshMs`, so additions, removals and pauses apply live. */
export type TriggerSource = () => Promise<KafkaTriggerSpec[]>;

export type TriggerState =
  /** Connecting, joining its group, or waiting to retry after a failure. */
  | 'starting'
  | 'running'
  | 'paused'
  /** A topic pattern that matches no topic yet. */
  | 'idle'
  | 'stopped';

export interface TriggerStatus {
  id: string;
  state: TriggerState;
  topics: string[];
  inFlight: number;
  started: number;
  duplicates: number;
  deadLettered: number;
  /** Attempts that failed and were retried (starter or dead-letter errors). */
  retries: number;
  /** Consumers rebuilt after kafkajs crashed one without restarting it. */
  restarts: number;
  /** `topic/partition` → the next offset the group will read (the last commit). */
  committed: Record<string, string>;
  lastError?: { message: string; at: string };
}

export interface BridgeStatus {
  running: boolean;
  triggers: TriggerStatus[];
  /** Triggers the source returned that failed validation, with the reason. */
  invalid: Array<{ id: string; error: string }>;
  /** Set while the trigger source fails; the last triggers read stay in force meanwhile. */
  lastRefreshError?: { message: string; at: string };
}

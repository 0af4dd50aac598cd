/**
 * The Temporal floor of `npm run bench`: a workflow that returns its input in its first
 * workflow task, no activity, no upsert. Started eagerly, it is the least one invocation as
 * a workflow can cost the server. Bundled by the load process (bench/load-client.ts) alone.
 */
export async function emptyWorkflow(message: string): Promise<string> {
  return message;
}

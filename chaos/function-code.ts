/**
 * The function the chaos run deploys: every invocation performs one side effect, a POST to
 * the ledger naming the request's key and the invocation id, then answers. A Kafka record's
 * value carries the key; its partition and offset go along. It then sleeps 150 ms, so an
 * instance killed mid-run has usually done the side effect already (a re-run, if retried).
 */
export const CHAOS_FUNCTION_CODE = `import json, os, time, urllib.request

def handler(event, context):
    kafka = isinstance(event, dict) and "topic" in event and "offset" in event
    request = event["value"] if kafka else event
    effect = {"key": request["key"], "invocationId": context.invocation_id}
    if kafka:
        effect["partition"] = event["partition"]
        effect["offset"] = event["offset"]
    post = urllib.request.Request(os.environ["LEDGER_URL"], data=json.dumps(effect).encode(), headers={"content-type": "application/json"}, method="POST")
    urllib.request.urlopen(post, timeout=5).read()
    time.sleep(0.15)
    return {"key": request["key"]}
`;

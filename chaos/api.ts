/** The few PyFaaS API calls the chaos run makes, with the admin token. */
export interface ApiAnswer {
  status: number;
  body: any;
}

export class ChaosApi {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  /** Throws on a dropped connection or when no answer came within `timeoutMs` (err.name TimeoutError). */
  async call(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<ApiAnswer> {
    const response = await fetch(`${this.url}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Retries `call` through dropped connections and 5xx answers until `deadline` (ms since the epoch). */
  async callUntil(deadline: number, method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    for (;;) {
      try {
        const answer = await this.call(method, pathname, body, headers);
        if (answer.status < 500) return answer;
        if (Date.now() > deadline) return answer;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';

/**
 * GETs `path` (null: nothing yet) and re-reads it every `refreshMs` when given. Returns
 * `{ data, error, loading, reload }`; `error` is the ApiError (a 403 is shown as "not allowed").
 */
export function useApi(path, refreshMs) {
  const [state, setState] = useState({ path: undefined, data: undefined, error: undefined });
  const generation = useRef(0);
  const load = useCallback(async () => {
    if (!path) return;
    const mine = ++generation.current;
    try {
      const data = await api('GET', path);
      if (mine === generation.current) setState({ path, data, error: undefined });
    } catch (error) {
      if (mine === generation.current) setState({ path, data: undefined, error });
    }
  }, [path]);
  useEffect(() => {
    load();
    if (!refreshMs) return () => { generation.current++; };
    const timer = setInterval(load, refreshMs);
    return () => {
      clearInterval(timer);
      generation.current++;
    };
  }, [load, refreshMs]);
  // Until the answer for this very path arrives, it is loading (never the previous path's answer).
  if (state.path !== path) return { data: undefined, error: undefined, loading: Boolean(path), reload: load };
  return { data: state.data, error: state.error, loading: false, reload: load };
}

/** The hash route: `#/functions/echo` → ['functions', 'echo']. */
export function useRoute() {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

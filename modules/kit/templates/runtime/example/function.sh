# The example function, handler `function.handler`: the event's JSON is on stdin, what the
# function prints on stdout is its result (JSON here), what it prints on stderr its log.
handler() {
  event=$(cat)
  echo "invocation $PYFAAS_INVOCATION_ID of $PYFAAS_FUNCTION_NAME: ${#event} bytes of event" >&2
  name=$(printf '%s' "$event" | sed -n 's/.*"name":"\([A-Za-z0-9 _-]*\)".*/\1/p')
  printf '{"greeting":"hello, %s","eventBytes":%d}\n' "${name:-world}" "${#event}"
}

#!/usr/bin/env node
// A loopback reverse proxy that adds "Authorization: Bearer TOKEN" to every
// request, for the conformance suite, which cannot send headers.
//
//   node auth-proxy.mjs UPSTREAM_URL TOKEN      (prints "listening PORT")
//
// Bodies stream both ways (SSE works), and the client's Host header is kept,
// so the DNS-rebinding scenario still tests the upstream server.
import http from "node:http";

const [upstreamURL, token] = process.argv.slice(2);
if (!upstreamURL || !token) {
  console.error("usage: node auth-proxy.mjs UPSTREAM_URL TOKEN");
  process.exit(2);
}
const upstream = new URL(upstreamURL);
const server = http.createServer((req, res) => {
  const out = http.request({
    host: upstream.hostname,
    port: upstream.port || 80,
    method: req.method,
    path: req.url,
    headers: { ...req.headers, authorization: `Bearer ${token}` },
  }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  out.on("error", (e) => {
    if (!res.headersSent) res.writeHead(502);
    res.end(String(e));
  });
  res.on("close", () => out.destroy());
  req.pipe(out);
});
server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));

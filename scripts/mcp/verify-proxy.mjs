#!/usr/bin/env node
// A loopback reverse proxy that lets a request through to an MCP server only
// when it carries valid credentials, checked independently of toolgate's own
// signing code: AWS Signature Version 4 recomputed with the npm package aws4,
// or an API key in a header or a query parameter.
//
//   GATE_MODE=sigv4  GATE_SERVICE GATE_REGION GATE_ACCESS_KEY_ID
//                    GATE_SECRET_ACCESS_KEY [GATE_SESSION_TOKEN]
//   GATE_MODE=apikey GATE_HEADER (a header name) or GATE_QUERY (a query
//                    parameter name), GATE_KEY (the exact value expected)
//   node verify-proxy.mjs UPSTREAM_URL   (prints "listening http://127.0.0.1:PORT/mcp")
//
// A refused request gets 403 and is not forwarded. GET /__verify answers
// {"verified": {"POST": n, "GET": n, "DELETE": n}, "refused": ["reason", ...]}
// so that a test can tell that every request was checked. Bodies stream back
// (SSE works); the request body is read whole to hash it.
import crypto from "node:crypto";
import http from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const aws4 = require("aws4");

const [upstreamURL] = process.argv.slice(2);
const env = process.env;
if (!upstreamURL || !["sigv4", "apikey"].includes(env.GATE_MODE)) {
  console.error("usage: GATE_MODE=sigv4|apikey ... node verify-proxy.mjs UPSTREAM_URL");
  process.exit(2);
}
const upstream = new URL(upstreamURL);
const verified = {};
const refused = [];
const maxSkewMs = 5 * 60 * 1000;

const sha256 = (data) => crypto.createHash("sha256").update(data).digest("hex");
const same = (a, b) =>
  typeof a === "string" && typeof b === "string" && a.length === b.length &&
  crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));

// checkSigV4 returns why req (with body) is refused, or "" when its
// signature is the one aws4 computes from the same request.
function checkSigV4(req, body) {
  const auth = req.headers.authorization || "";
  const m = auth.match(/^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/);
  if (!m) return "no SigV4 Authorization header";
  const [, keyID, day, region, service, signedHeaders, signature] = m;
  if (keyID !== env.GATE_ACCESS_KEY_ID) return "unknown access key";
  if (region !== env.GATE_REGION || service !== env.GATE_SERVICE) return `scope ${region}/${service}`;
  const amzDate = req.headers["x-amz-date"] || "";
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== day) return "bad X-Amz-Date";
  const when = Date.parse(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (Math.abs(Date.now() - when) > maxSkewMs) return "X-Amz-Date too far from now";
  const names = signedHeaders.split(";");
  for (const must of ["host", "x-amz-date", "x-amz-content-sha256"]) {
    if (!names.includes(must)) return `${must} not signed`;
  }
  if (req.headers["x-amz-content-sha256"] !== sha256(body)) return "X-Amz-Content-Sha256 is not the body's hash";
  if (env.GATE_SESSION_TOKEN) {
    if (!names.includes("x-amz-security-token")) return "x-amz-security-token not signed";
    if (!same(req.headers["x-amz-security-token"], env.GATE_SESSION_TOKEN)) return "wrong session token";
  }
  const headers = {};
  for (const name of names) {
    if (req.headers[name] === undefined) return `signed header ${name} missing`;
    headers[name] = req.headers[name];
  }
  const signer = new aws4.RequestSigner({
    method: req.method, host: req.headers.host, path: req.url, headers, body,
    service, region, doNotModifyHeaders: true,
  }, {
    accessKeyId: env.GATE_ACCESS_KEY_ID,
    secretAccessKey: env.GATE_SECRET_ACCESS_KEY,
    sessionToken: env.GATE_SESSION_TOKEN,
  });
  signer.datetime = amzDate;
  signer.sign();
  const want = signer.request.headers.Authorization;
  return same(auth, want) ? "" : "signature does not match";
}

// checkAPIKey returns why req is refused, or "".
function checkAPIKey(req) {
  if (env.GATE_HEADER) {
    return same(req.headers[env.GATE_HEADER.toLowerCase()], env.GATE_KEY) ? "" : `wrong or missing ${env.GATE_HEADER}`;
  }
  const got = new URL(req.url, "http://x").searchParams.get(env.GATE_QUERY);
  return same(got, env.GATE_KEY) ? "" : `wrong or missing query parameter ${env.GATE_QUERY}`;
}

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/__verify") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ verified, refused }));
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const why = env.GATE_MODE === "sigv4" ? checkSigV4(req, body) : checkAPIKey(req);
    if (why) {
      refused.push(`${req.method} ${why}`);
      res.writeHead(403, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: why }));
      return;
    }
    verified[req.method] = (verified[req.method] || 0) + 1;
    const out = http.request({
      host: upstream.hostname,
      port: upstream.port || 80,
      method: req.method,
      path: req.url,
      headers: req.headers,
    }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      res.flushHeaders(); // an event stream may send nothing for a while
      up.pipe(res);
    });
    out.on("error", (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e));
    });
    res.on("close", () => out.destroy());
    out.end(body);
  });
});
server.listen(0, "127.0.0.1", () => console.log(`listening http://127.0.0.1:${server.address().port}/mcp`));

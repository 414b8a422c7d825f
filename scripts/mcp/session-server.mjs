#!/usr/bin/env node
// An MCP server built on the official TypeScript SDK that keeps state per
// session, for tests of what the gateway relays of a client's session to a
// server the project did not write. Stateful streamable HTTP at /mcp, one
// SDK Server per session:
//
//   tool   remember {value}  keeps value in the session
//   prompt recall            answers with the value the session keeps
//   tool   plan              asks the client's model, offering it a tool
//                            (sampling with tools), then sends the tool's
//                            result back in a second request, and says what
//                            came back from both
//   GET    /__sessions       {"open": N, "closed": [session ids ended by DELETE]}
//
// Prints its URL (http://127.0.0.1:PORT/mcp) once it listens.
//
//   NODE_PATH=<scripts/setup/mcp.sh's node_modules> node session-server.mjs [PORT]
import http from "node:http";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Server } = require("@modelcontextprotocol/sdk/server/index.js");
const { StreamableHTTPServerTransport } = require("@modelcontextprotocol/sdk/server/streamableHttp.js");
const {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  ListPromptsRequestSchema,
  GetPromptRequestSchema,
  isInitializeRequest,
} = require("@modelcontextprotocol/sdk/types.js");

const transports = new Map();
const closed = [];

const tools = [
  {
    name: "remember",
    description: "Keeps a value in this session",
    inputSchema: { type: "object", properties: { value: { type: "string" } }, required: ["value"] },
  },
  {
    name: "plan",
    description: "Asks the client's model to plan, offering it a weather tool",
    inputSchema: { type: "object", properties: {} },
  },
];

const weather = {
  name: "weather",
  description: "The weather in a city",
  inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

// newServer is one session's server, with that session's memory.
function newServer() {
  let kept = "(nothing)";
  const server = new Server(
    { name: "ts-session-server", version: "1.0.0" },
    { capabilities: { tools: {}, prompts: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: [{ name: "recall", description: "What this session keeps" }],
  }));
  server.setRequestHandler(GetPromptRequestSchema, async (req) => {
    if (req.params.name !== "recall") throw new Error(`unknown prompt ${req.params.name}`);
    return { messages: [{ role: "user", content: { type: "text", text: `kept: ${kept}` } }] };
  });
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    switch (req.params.name) {
      case "remember":
        kept = String(req.params.arguments?.value);
        return { content: [{ type: "text", text: `remembered ${kept}` }] };
      case "plan":
        return plan(server, extra);
      default:
        return { isError: true, content: [{ type: "text", text: `unknown tool ${req.params.name}` }] };
    }
  });
  return server;
}

// plan runs two rounds of sampling with tools: the model's tool calls,
// then their results sent back for its final answer.
async function plan(server, extra) {
  const ask = { role: "user", content: { type: "text", text: "Weather in Oslo and Rome?" } };
  let first;
  try {
    first = await server.createMessage(
      { messages: [ask], maxTokens: 100, tools: [weather], toolChoice: { mode: "auto" } },
      { signal: extra.signal },
    );
  } catch (err) {
    return { isError: true, content: [{ type: "text", text: `sampling: ${err.message}` }] };
  }
  const content = Array.isArray(first.content) ? first.content : [first.content];
  const uses = content.filter((c) => c.type === "tool_use");
  const said = uses.map((u) => `${u.name}(${u.input?.city})`).join(" ");
  if (first.stopReason !== "toolUse" || uses.length === 0) {
    return { content: [{ type: "text", text: `round 1: ${first.stopReason} ${JSON.stringify(first.content)}` }] };
  }
  const results = uses.map((u) => ({
    type: "tool_result",
    toolUseId: u.id,
    content: [{ type: "text", text: `sunny in ${u.input?.city}` }],
  }));
  const second = await server.createMessage(
    { messages: [ask, { role: "assistant", content }, { role: "user", content: results }], maxTokens: 100, tools: [weather] },
    { signal: extra.signal },
  );
  const final = Array.isArray(second.content) ? second.content : [second.content];
  const text = final.filter((c) => c.type === "text").map((c) => c.text).join(" ");
  return { content: [{ type: "text", text: `round 1: toolUse ${said}; round 2: ${second.stopReason} ${text}` }] };
}

async function readJSON(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks).toString("utf8");
  return body ? JSON.parse(body) : undefined;
}

const httpServer = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname === "/__sessions") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ open: transports.size, closed }));
      return;
    }
    if (url.pathname !== "/mcp") {
      res.writeHead(404).end();
      return;
    }
    const sid = req.headers["mcp-session-id"];
    const body = req.method === "POST" ? await readJSON(req) : undefined;
    let transport = sid ? transports.get(sid) : undefined;
    if (!transport) {
      if (sid || req.method !== "POST" || !isInitializeRequest(body)) {
        res.writeHead(sid ? 404 : 400, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message: "no such session" } }));
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => transports.set(id, transport),
        onsessionclosed: (id) => {
          transports.delete(id);
          closed.push(id);
        },
      });
      await newServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  } catch (err) {
    if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
    res.end(String(err));
  }
});

httpServer.listen(Number(process.argv[2] || 0), "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${httpServer.address().port}/mcp`);
});

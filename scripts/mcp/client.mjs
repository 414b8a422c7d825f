#!/usr/bin/env node
// The official TypeScript SDK client against a streamable HTTP MCP endpoint:
// lists every tool (following nextCursor), calls one, and optionally waits
// for notifications/tools/list_changed. With --offers it also lists every
// prompt and resource, gets the first prompt and reads the first resource.
// With --sample ANSWER it declares sampling and answers every
// sampling/createMessage with ANSWER as the model's text, or, when ANSWER
// is "error:MESSAGE", with a JSON-RPC error of MESSAGE. With --progress the
// call asks for progress (a progressToken) and prints each notification.
// Exit status 0 on success.
//
//   node client.mjs URL [TOKEN] [--tool NAME] [--args JSON] [--watch SECONDS] [--offers] [--sample ANSWER] [--progress]
//
// Run through scripts/mcp/client.sh, which uses the Node and SDK that
// scripts/setup/mcp.sh installs.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const args = process.argv.slice(2);
function flag(name, fallback) {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [, value] = args.splice(i, 2);
  return value;
}
const tool = flag("--tool", null);
const toolArgs = JSON.parse(flag("--args", "null"));
const watchSeconds = Number(flag("--watch", "0"));
const sample = flag("--sample", null);
const offersAt = args.indexOf("--offers");
const offers = offersAt >= 0;
if (offers) args.splice(offersAt, 1);
const progressAt = args.indexOf("--progress");
const progress = progressAt >= 0;
if (progress) args.splice(progressAt, 1);
const [url, token] = args;
if (!url) {
  console.error("usage: node client.mjs URL [TOKEN] [--tool NAME] [--args JSON] [--watch SECONDS] [--offers] [--sample ANSWER] [--progress]");
  process.exit(2);
}

const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: token ? { Authorization: `Bearer ${token}` } : {} },
});
const client = new Client({ name: "toolgate-ts-client", version: "1.0.0" },
  sample === null ? {} : { capabilities: { sampling: {} } });
if (sample !== null) {
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    console.log(`sampling/createMessage: ${JSON.stringify(req.params.messages)}`);
    if (sample.startsWith("error:")) throw new Error(sample.slice("error:".length));
    return { role: "assistant", content: { type: "text", text: sample }, model: "toolgate-ts-client" };
  });
}
let changes = 0;
client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
  changes++;
  console.log(`notification: tools/list_changed (#${changes})`);
});

try {
  await client.connect(transport);
  console.log(`connected: server=${JSON.stringify(client.getServerVersion())} ` +
    `protocol=${transport.protocolVersion ?? "?"} session=${transport.sessionId ?? "(none: stateless)"}`);
  console.log(`capabilities: ${JSON.stringify(client.getServerCapabilities())}`);

  const tools = [];
  let cursor;
  let pages = 0;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    pages++;
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  console.log(`tools/list: ${tools.length} tool(s) in ${pages} page(s): ${tools.map((t) => t.name).join(", ")}`);

  if (tool) {
    const a = toolArgs ?? {};
    const options = progress ? { onprogress: (p) => console.log(`progress: ${JSON.stringify(p)}`) } : undefined;
    const res = await client.callTool({ name: tool, arguments: a }, undefined, options);
    console.log(`tools/call ${tool} ${JSON.stringify(a)} -> ${JSON.stringify(res)}`);
    if (res.isError) process.exitCode = 1;
  }
  if (offers) {
    const prompts = [];
    let pc;
    do {
      const page = await client.listPrompts(pc ? { cursor: pc } : {});
      prompts.push(...page.prompts);
      pc = page.nextCursor;
    } while (pc);
    console.log(`prompts/list: ${prompts.length} prompt(s): ${prompts.map((p) => p.name).join(", ")}`);
    const simple = prompts.find((p) => !(p.arguments ?? []).some((a) => a.required)) ?? prompts[0];
    if (simple) {
      const got = await client.getPrompt({ name: simple.name, arguments: {} });
      console.log(`prompts/get ${simple.name} -> ${got.messages.length} message(s)`);
    }
    const resources = [];
    let rc;
    do {
      const page = await client.listResources(rc ? { cursor: rc } : {});
      resources.push(...page.resources);
      rc = page.nextCursor;
    } while (rc);
    console.log(`resources/list: ${resources.length} resource(s)`);
    if (resources[0]) {
      const read = await client.readResource({ uri: resources[0].uri });
      console.log(`resources/read ${resources[0].uri} -> ${read.contents.length} content(s)`);
    }
  }
  if (watchSeconds > 0) {
    console.log(`watching ${watchSeconds}s for notifications/tools/list_changed`);
    await new Promise((r) => setTimeout(r, watchSeconds * 1000));
    console.log(`list_changed notifications received: ${changes}`);
  }
  try { await transport.terminateSession(); } catch { /* stateless servers answer 405 */ }
  await client.close();
} catch (e) {
  console.error(`error: ${e?.message ?? e}`);
  process.exitCode = 1;
  try { await client.close(); } catch { /* already closed */ }
}

// Parses the Mermaid diagram on stdin with mermaid's own parser, the one GitHub renders with.
// Usage: node mermaid_parse.mjs NODE_MODULES < diagram.mmd; prints {"ok": true, "type": …} or the
// parser's error and exits 1.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.argv[2];
const load = (path) => import(pathToFileURL(join(modules, path)).href);
const { JSDOM } = (await load("jsdom/lib/api.js")).default;
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const mermaid = (await load("mermaid/dist/mermaid.core.mjs")).default;

let text = "";
for await (const chunk of process.stdin) text += chunk;
try {
  const parsed = await mermaid.parse(text);
  console.log(JSON.stringify({ ok: true, type: parsed.diagramType }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: String(error.message || error) }));
  process.exit(1);
}

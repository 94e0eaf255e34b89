// Runs calls against the portable connector, one JSON object per line on stdin
// ({"operation", "auth", "input"}, or {"describe": true}), answering one JSON line each on stdout:
// {"ok": <output>} or {"error": <the connector's typed error>}.
//   node run.mjs --component DIR --files DIR --allow ORIGIN[,ORIGIN...]
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConnector } from './host.mjs';

const { values } = parseArgs({
  options: { component: { type: 'string' }, files: { type: 'string' }, allow: { type: 'string', default: '' } },
});
if (!values.component) {
  console.error('usage: node run.mjs --component DIR --files DIR --allow ORIGIN[,ORIGIN...]');
  process.exit(2);
}
const connector = await loadConnector({
  componentDir: values.component,
  filesDir: values.files,
  allow: values.allow.split(',').filter(Boolean),
});
const replacer = (_key, value) => (typeof value === 'bigint' ? Number(value) : value);
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const call = JSON.parse(line);
  let answer;
  try {
    answer = call.describe
      ? { ok: await connector.describe() }
      : { ok: JSON.parse(await connector.invoke(call.operation, JSON.stringify(call.auth), JSON.stringify(call.input ?? {}))) };
  } catch (error) {
    answer = error?.connectorError !== undefined ? { error: error.connectorError } : { crash: String(error?.stack ?? error) };
  }
  process.stdout.write(JSON.stringify(answer, replacer) + '\n');
}

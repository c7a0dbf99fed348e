// Helpers for the child side of a tool adapter: every tools/<tool>.mjs is also
// a script, `node tools/<tool>.mjs <action> '<json>'`, so each measurement runs
// in its own Node process and no module cache leaks from one tool to another.
// This file imports only node: built-ins, to keep child start-up honest.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

/** Run `actions[argv[2]](JSON.parse(argv[3]))` when `metaUrl` is the entry script. */
export function childMain(metaUrl, actions) {
  if (!process.argv[1] || fileURLToPath(metaUrl) !== process.argv[1]) return;
  const [name, json = '{}'] = process.argv.slice(2);
  const action = actions[name];
  if (!action) {
    console.error(`error: unknown action ${name}; known: ${Object.keys(actions).join(', ')}`);
    process.exit(2);
  }
  Promise.resolve()
    .then(() => action(JSON.parse(json)))
    .then((result) => {
      if (result !== undefined) process.stdout.write(JSON.stringify(result) + '\n');
      process.exitCode = 0;
    })
    .catch((error) => {
      console.error(`error: ${error?.stack ?? error}`);
      process.exitCode = 1;
    });
}

/** sqlite:/abs/path.db -> /abs/path.db */
export const sqlitePath = (url) => url.replace(/^sqlite:/, '');

/**
 * Count calls that send a statement to a server, by wrapping pg's
 * Client#query and mysql2's Connection#query/#execute as resolved from
 * `fromDir` (so the instance the tool under test loads is the one wrapped).
 * Import the tool only after calling this.
 */
export function installQueryCounter(fromDir) {
  const counter = { count: 0, reset() { this.count = 0; } };
  const req = createRequire(join(fromDir, 'package.json'));
  const wrap = (proto, method) => {
    let owner = proto;
    while (owner && !Object.prototype.hasOwnProperty.call(owner, method)) owner = Object.getPrototypeOf(owner);
    if (!owner || owner[method].__benchCounted) return;
    const orig = owner[method];
    const wrapped = function (...args) { counter.count++; return orig.apply(this, args); };
    wrapped.__benchCounted = true;
    owner[method] = wrapped;
  };
  try { wrap(req('pg').Client.prototype, 'query'); } catch { /* pg not installed there */ }
  try {
    const mysql = req('mysql2');
    wrap(mysql.Connection.prototype, 'query');
    wrap(mysql.Connection.prototype, 'execute');
  } catch { /* mysql2 not installed there */ }
  return counter;
}

/**
 * Time `call` once (the first call in this process) and then `later` more
 * times; `check(result)` throws if a call did something other than a no-op.
 */
export async function measureCalls(call, { later = 10, counter = null, check = () => {} } = {}) {
  counter?.reset();
  let t = performance.now();
  check(await call());
  const firstMs = performance.now() - t;
  const firstQueries = counter ? counter.count : null;
  const laterMs = [];
  let laterQueries = null;
  for (let i = 0; i < later; i++) {
    counter?.reset();
    t = performance.now();
    check(await call());
    laterMs.push(performance.now() - t);
    laterQueries = counter ? counter.count : null;
  }
  return { firstMs, laterMs, firstQueries, laterQueries };
}

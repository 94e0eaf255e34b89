// A small Node.js host for the portable S3 connector (transpiled by jco): a fresh instance per
// call, outgoing HTTP only to the origins allowed, files only in the one directory granted.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as wasi from '@bytecodealliance/preview2-shim';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';

/** `scheme://host:port` of an allowed origin as the user wrote it, with the default port made explicit. */
export function normalizeOrigin(origin) {
  const url = new URL(origin);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.protocol}//${url.hostname.toLowerCase()}:${port}`;
}

/** The origin an outgoing request goes to, or null if it has none we can check. */
function requestOrigin(request) {
  const scheme = request.scheme();
  const authority = request.authority();
  if (!scheme || !authority) return null;
  const protocol = scheme.tag === 'HTTPS' ? 'https:' : scheme.tag === 'HTTP' ? 'http:' : null;
  if (!protocol) return null;
  try {
    return normalizeOrigin(`${protocol}//${authority}`);
  } catch {
    return null;
  }
}

/** wasi:http's outgoing handler, refusing every request whose origin is not in `allowed`. */
function guardedOutgoingHandler(allowed) {
  return {
    handle(request, options) {
      const origin = requestOrigin(request);
      if (origin === null || !allowed.has(origin)) {
        throw { tag: 'HTTP-request-denied' };
      }
      return wasi.http.outgoingHandler.handle(request, options);
    },
  };
}

/**
 * wasi:cli for a component that must not touch this process: no environment, arguments or
 * working directory, no stdin (this host's stdin carries other calls' requests), stdout sent to
 * stderr (this host's stdout carries the answers), and `exit` a trap instead of ending the host.
 */
function sandboxedCli() {
  const refuse = (what) => () => {
    throw new Error(`the component tried to ${what}`);
  };
  return {
    ...wasi.cli,
    environment: { getEnvironment: () => [], getArguments: () => ['s3-connector'], initialCwd: () => undefined },
    exit: { exit: refuse('exit the host'), exitWithCode: refuse('exit the host') },
    stdin: { getStdin: refuse('read stdin') },
    stdout: { getStdout: () => wasi.cli.stderr.getStderr() },
  };
}

/**
 * Loads the transpiled component in `componentDir` (its `s3.js` and core modules) and returns
 * `describe()` and `invoke(operation, auth, input)`, each run in a fresh instance. `filesDir` is
 * the file store (the component's only preopened directory); `allow` lists the origins it may
 * reach (e.g. `http://127.0.0.1:3900`).
 */
export async function loadConnector({ componentDir, filesDir, allow }) {
  const allowed = new Set(allow.map(normalizeOrigin));
  const { instantiate } = await import(pathToFileURL(join(componentDir, 's3.js')).href);
  const modules = new Map();
  const getCoreModule = async (name) => {
    if (!modules.has(name)) modules.set(name, WebAssembly.compile(await readFile(join(componentDir, name))));
    return modules.get(name);
  };
  const shim = new WASIShim({
    sandbox: { preopens: filesDir ? { '/files': filesDir } : {} },
    cli: sandboxedCli(),
    // No sockets: outgoing HTTP (guarded) is the only way out.
    sockets: wasi.sockets.createSockets({ enableNetwork: false }),
    http: { ...wasi.http, outgoingHandler: guardedOutgoingHandler(allowed) },
  });
  const imports = shim.getImportObject();
  const fresh = async () => (await instantiate(getCoreModule, imports)).connector;
  return {
    describe: async () => (await fresh()).describe(),
    /** The output JSON text, or throws `{ connectorError }` with the component's typed error. */
    invoke: async (operation, auth, input) => {
      const connector = await fresh();
      try {
        return connector.invoke(operation, auth, input);
      } catch (error) {
        if (error?.payload !== undefined) throw { connectorError: error.payload };
        throw error;
      }
    },
  };
}

#!/usr/bin/env node
// Assembles the standalone, offline verifier of evidence bundles (docs/BUNDLE-FORMAT.md,
// "Verifying") from the compiled libs/proof and libs/bundle: a folder that runs with
// `node verify-bundle.js <bundle> [--key ...]` on a machine with nothing but Node, no node_modules.
//
//   npm run build && node scripts/package-verifier.mjs [--out <dir>]     (or: npm run verifier)
//
// Every import is rewritten to a relative path inside the folder; anything that is neither a
// `node:` built-in nor a file of the two libraries stops the packaging.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
/** The compiled libraries the verifier is made of, by their @ledger/<name> alias. */
const LIBRARIES = { proof: join(DIST, 'libs/proof/src'), bundle: join(DIST, 'libs/bundle/src') };
const MIN_NODE = '20.12';

/** A compiled static import or export, one per line as tsc emits them: its keyword part, quote and specifier. */
const SPECIFIER = /^((?:import|export)\b[^'";(=]*?\bfrom\s*|import\s*)(['"])([^'"]+)\2/gm;

const ENTRY = `#!/usr/bin/env node
// The offline verifier of evidence bundles (BUNDLE-FORMAT.md, "Verifying"):
//   node verify-bundle.js <bundle file> [--key <verifier key or file>] [--json]
// Exit 0 when everything holds, 1 with the first failure, 2 for a usage error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < ${MIN_NODE.split('.')[0]} || (major === ${MIN_NODE.split('.')[0]} && minor < ${MIN_NODE.split('.')[1]})) {
  process.stderr.write(\`verify-bundle needs Node.js ${MIN_NODE} or later; this is \${process.version}\\n\`);
  process.exit(2);
}
const { verifyBundleMain } = await import('./lib/bundle/index.js');
process.exitCode = await verifyBundleMain(process.argv.slice(2), process);
`;

async function main() {
  const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
  const out = resolve(values.out ?? join(DIST, 'verifier'));
  for (const [name, directory] of Object.entries(LIBRARIES)) {
    if (!(await exists(join(directory, 'index.js')))) {
      throw new Error(`${relative(ROOT, directory)}/index.js is missing: run \`npm run build\` first (the @ledger/${name} library is compiled there)`);
    }
  }
  await rm(out, { recursive: true, force: true });
  const files = [];
  for (const [name, directory] of Object.entries(LIBRARIES)) {
    for (const source of await javascriptFiles(directory)) {
      const target = join(out, 'lib', name, relative(directory, source));
      const text = rewriteImports(await readFile(source, 'utf8'), source, target, out);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, text);
      files.push(target);
    }
  }
  const rootPackage = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  const manifest = {
    name: 'evidence-ledger-verifier',
    version: rootPackage.version,
    private: true,
    description: 'Offline verifier of evidence-ledger bundles (evidence-ledger-bundle/1): node verify-bundle.js <bundle> [--key <verifier key or file>] [--json]',
    license: rootPackage.license,
    type: 'module',
    engines: { node: `>=${MIN_NODE}` },
    bin: { 'verify-bundle': 'verify-bundle.js' },
  };
  await writeFile(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(out, 'verify-bundle.js'), ENTRY, { mode: 0o755 });
  await copyFile(join(ROOT, 'docs/BUNDLE-FORMAT.md'), join(out, 'BUNDLE-FORMAT.md'));
  files.push(join(out, 'package.json'), join(out, 'verify-bundle.js'), join(out, 'BUNDLE-FORMAT.md'));
  // Whoever receives the folder can check they hold the same verifier as the one published.
  const sums = await Promise.all(files.sort().map(async (file) => `${createHash('sha256').update(await readFile(file)).digest('hex')}  ${relative(out, file).split(sep).join('/')}`));
  await writeFile(join(out, 'SHA256SUMS'), `${sums.join('\n')}\n`);

  const smoke = spawnSync(process.execPath, [join(out, 'verify-bundle.js'), '--help'], { cwd: out, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
  if (smoke.status !== 0) throw new Error(`the packaged verifier does not start (exit ${smoke.status}): ${smoke.stderr}`);
  process.stdout.write(`${relative(ROOT, out) || out}: ${files.length} files; run: node ${relative(process.cwd(), join(out, 'verify-bundle.js'))} <bundle> --key <verifier key>\n`);
}

/** Rewrites each import of a compiled file to a relative path inside the package. */
function rewriteImports(text, source, target, out) {
  const rewritten = text.replace(SPECIFIER, (match, keyword, quote, specifier) => {
    if (specifier.startsWith('node:')) return match;
    let resolved;
    const alias = /^@ledger\/([^/]+)$/.exec(specifier);
    if (alias !== null) {
      const directory = LIBRARIES[alias[1]];
      if (directory === undefined) throw new Error(`${relative(ROOT, source)} imports ${specifier}: only @ledger/proof and @ledger/bundle belong in the verifier`);
      resolved = join(directory, 'index.js');
    } else if (specifier.startsWith('.')) {
      resolved = resolve(dirname(source), specifier);
    } else {
      throw new Error(`${relative(ROOT, source)} imports the package ${specifier}: the offline verifier may import only node: built-ins`);
    }
    const library = Object.entries(LIBRARIES).find(([, directory]) => resolved.startsWith(`${directory}${sep}`));
    if (library === undefined) throw new Error(`${relative(ROOT, source)} imports ${specifier}, outside libs/proof and libs/bundle`);
    const packaged = join(out, 'lib', library[0], relative(library[1], resolved));
    let path = relative(dirname(target), packaged).split(sep).join('/');
    if (!path.startsWith('.')) path = `./${path}`;
    return `${keyword}${quote}${path}${quote}`;
  });
  if (/\bimport\s*\(/.test(rewritten)) throw new Error(`${relative(ROOT, source)} has a dynamic import: the verifier's imports must be static to be packaged`);
  return rewritten.replace(/^\/\/# sourceMappingURL=.*$/m, '');
}

async function javascriptFiles(directory) {
  const found = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...(await javascriptFiles(path)));
    else if (entry.name.endsWith('.js') && !/\.(?:int-|e2e-)?spec\.js$/.test(entry.name)) found.push(path);
  }
  return found.sort();
}

async function exists(path) {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

main().catch((error) => {
  process.stderr.write(`package-verifier: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

// `npm start`: the product on its embedded default. SQLite in ./data, a demo organisation
// (with a Microsoft Graph stand-in as its Entra tenant and, where Samba can run, a Samba DC as its
// AD domain: start-env.mjs), the console in Electron when the Electron binary is installed, else
// the web console's URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { startEnv } from './start-env.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const builtIndex = 'out/renderer/index.html';
const stale = !existsSync(builtIndex) || newestMtime('renderer') > statSync(builtIndex).mtimeMs || newestMtime('core') > statSync(builtIndex).mtimeMs;
if (stale) {
  console.log('Building the console...');
  const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

function electronBinary() {
  try {
    const pathFile = path.join(path.dirname(require.resolve('electron/package.json')), 'path.txt');
    if (!existsSync(pathFile)) return null;
    const bin = path.join(path.dirname(pathFile), 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const env = startEnv(process.env, root);
const server = spawn(process.execPath, ['--import', 'tsx', 'sync-server/cli.ts'], { stdio: ['ignore', 'pipe', 'inherit'], env });
let opened = false;
server.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const match = /listening on (https?:\/\/\S+)/i.exec(chunk.toString());
  if (match && !opened) {
    opened = true;
    const url = match[1];
    const bin = electronBinary();
    if (bin) {
      console.log('Opening the console in Electron...');
      const app = spawn(bin, ['.'], { stdio: 'inherit', env: { ...env, JIT_SERVER_URL: url } });
      app.on('exit', () => server.kill('SIGTERM'));
    } else {
      console.log(`\nElectron is not installed here; open the web console: ${url}`);
      console.log('Sign in as one of the demo accounts listed above (approvers: alice, carol, eve, mallory),');
      console.log('or as "admin" with the password printed on its first start (or JIT_ADMIN_PASSWORD).');
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill('SIGTERM'));
server.on('exit', (code) => process.exit(code ?? 0));

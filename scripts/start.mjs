// `npm start`: build the app if dist/ is missing or stale, compile the finder if build/server/ is,
// then run the finder server (plain node), which
// also serves dist/ and starts coturn beside it (docs/networking.md). The environment (PORT,
// HOST, DOMAIN, TLS_CERT/TLS_KEY, TURN_*) passes through to the server untouched.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT, SERVER_MAIN, buildIfStale, buildServerIfStale } from './lib.mjs'

const buildCode = await buildIfStale()
if (buildCode !== 0) {
  console.error(`vite build failed (exit ${buildCode}); not starting the server.`)
  process.exit(buildCode)
}

const serverCode = await buildServerIfStale()
if (serverCode !== 0) {
  console.error(`tsc -p tsconfig.server.json failed (exit ${serverCode}); not starting the server.`)
  process.exit(serverCode)
}

// Compiled JavaScript, as production runs it; the compiled server finds dist/ through DIST_DIR.
const server = spawn(process.execPath, [SERVER_MAIN], {
  cwd: ROOT,
  env: { ...process.env, DIST_DIR: process.env.DIST_DIR || join(ROOT, 'dist') },
  stdio: 'inherit',
  shell: false,
})

// Let the server shut down cleanly on Ctrl-C / `kill`; we exit when it does.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.kill(signal))
}

server.on('error', (err) => {
  console.error(`Could not start the server: ${err.message}`)
  process.exit(1)
})
server.on('exit', (code, signal) => {
  process.exit(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1))
})

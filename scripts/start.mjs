// `npm start`: build the app if dist/ is missing or stale, then run the finder server, which
// also serves dist/ and starts coturn beside it (docs/networking.md). The environment (PORT,
// HOST, DOMAIN, TLS_CERT/TLS_KEY, TURN_*) passes through to the server untouched.
import { spawn } from 'node:child_process'
import { ROOT, buildIfStale } from './lib.mjs'

const buildCode = await buildIfStale()
if (buildCode !== 0) {
  console.error(`vite build failed (exit ${buildCode}); not starting the server.`)
  process.exit(buildCode)
}

const server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
  cwd: ROOT,
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

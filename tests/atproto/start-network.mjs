// Start a real local atproto network for socialgit's tests and print one JSON line
// with its URLs when it is ready; close it on SIGTERM or SIGINT.
//
//   node start-network.mjs --modules DIR [--plc-port N] [--pds-port N] [--rate-limits]
//   node start-network.mjs --modules DIR --full [--bsky-port N] [--ozone-port N] ...
//
// Commands on stdin, one a line: `process ID` waits until the AppView has indexed
// everything written so far (TestNetwork.processAll), then prints
// {"processed": "ID"}; tests use it instead of sleeping. Closing stdin stops the network.
//
// DIR holds the node_modules installed by scripts/setup-bluesky-network.sh (the
// packages live in an ignored cache folder, not next to this file).
// Default: PLC + PDS only (TestNetworkNoAppView: SQLite, no other services).
// --full adds the AppView (replies, notifications, counts); it needs Postgres and
// Redis, given as DB_POSTGRES_URL and REDIS_HOST in the environment.
// --rate-limits turns on the PDS's real rate limits, for tests of 429 handling.
import net from 'node:net'
import path from 'node:path'
import readline from 'node:readline'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'

// Every dev-env service listens on all interfaces by default; tests must bind
// loopback only, so force the host on every listen() that does not name one.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if ((typeof args[0] === 'number' || typeof args[0] === 'string') && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1')
  } else if (args[0] && typeof args[0] === 'object' && !args[0].host && args[0].port !== undefined) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  }
  return listen.apply(this, args)
}

const { values: opts } = parseArgs({
  options: {
    modules: { type: 'string' },
    'plc-port': { type: 'string' },
    'pds-port': { type: 'string' },
    'bsky-port': { type: 'string' },
    'ozone-port': { type: 'string' },
    'rate-limits': { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
  },
})

const fail = (message) => {
  console.error(`start-network: ${message}`)
  process.exit(2)
}
const port = (name) => {
  const text = opts[name]
  if (text === undefined) return undefined // dev-env then picks a free port itself
  const value = Number(text)
  if (!Number.isInteger(value) || value <= 0 || value > 65535) fail(`--${name} must be a port number`)
  return value
}

if (!opts.modules) fail('--modules DIR is required (the folder setup-bluesky-network.sh installed into)')
const require = createRequire(path.join(path.resolve(opts.modules), 'package.json'))
const devEnv = await import(pathToFileURL(require.resolve('@atproto/dev-env')).href)

const pds = { port: port('pds-port'), rateLimitsEnabled: opts['rate-limits'] }
const plc = { port: port('plc-port') }
const loopback = (url) => url.replace('//localhost:', '//127.0.0.1:')

let network
let urls
if (opts.full) {
  const dbPostgresUrl = process.env.DB_POSTGRES_URL
  const redisHost = process.env.REDIS_HOST
  if (!dbPostgresUrl || !redisHost) fail('--full needs DB_POSTGRES_URL and REDIS_HOST in the environment')
  network = await devEnv.TestNetwork.create({
    dbPostgresUrl,
    dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA || 'socialgit', // letters and _ only
    redisHost,
    plc,
    pds,
    bsky: { port: port('bsky-port') },
    ozone: { port: port('ozone-port') },
  })
  // the AppView indexes what the PDS emits only when asked; keep it current
  setInterval(() => network.processAll().catch((err) => console.error(err)), 1000).unref()
  urls = { plc: loopback(network.plc.url), pds: loopback(network.pds.url), bsky: loopback(network.bsky.url) }
} else {
  network = await devEnv.TestNetworkNoAppView.create({ plc, pds })
  urls = { plc: loopback(network.plc.url), pds: loopback(network.pds.url) }
}

let closing = false
const close = async () => {
  if (closing) return
  closing = true
  try {
    await network.close()
    process.exit(0)
  } catch (err) {
    console.error(err)
    process.exit(1)
  }
}
process.on('SIGTERM', close)
process.on('SIGINT', close)
const commands = readline.createInterface({ input: process.stdin })
commands.on('line', async (line) => {
  const [command, id = null] = line.trim().split(/\s+/)
  if (command !== 'process') return
  try {
    await network.processAll()
    console.log(JSON.stringify({ processed: id }))
  } catch (err) {
    console.log(JSON.stringify({ processed: id, error: String(err) }))
  }
})
// the test process died without a signal: do not outlive it
commands.on('close', close)

console.log(JSON.stringify({ ready: true, ...urls, rateLimits: opts['rate-limits'], full: opts.full }))

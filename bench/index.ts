/** `npm run bench`: every benchmark, each printing its ratio against a baseline measured in the same run. */
import { benchCall } from './call.ts'
import { benchConnect } from './connect.ts'
import { benchFinder } from './finder.ts'
import { benchFlood } from './flood.ts'
import { benchFirstVisit } from './first-visit.ts'
import { benchTransfer } from './transfer.ts'
import { benchTransferBrowser } from './transfer-browser.ts'

await benchFinder()
await benchFlood()
await benchFirstVisit()
await benchConnect()
await benchTransfer()
process.exitCode = await benchTransferBrowser()
process.exitCode ||= await benchCall()
// PeerServer (bench:connect's anchor, in this process) keeps two timers running after it closed.
process.exit()

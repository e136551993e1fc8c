/** `npm run bench`: every benchmark, each printing its ratio against a baseline measured in the same run. */
import { benchConnect } from './connect.ts'
import { benchFinder } from './finder.ts'

await benchFinder()
await benchConnect()

export { type Clock, isoTimestamp, ManualClock, systemClock } from './clock.js'

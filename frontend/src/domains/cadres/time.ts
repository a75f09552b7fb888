/**
 * The county's time helpers live in @/utils/time; the cadre pages keep their names for them (a
 * check-in belongs to the county's day of the moment it was made, whatever the phone's zone).
 */
export * from '@/utils/time'
export { countyDay as shanghaiDay, countyTime as shanghaiTime, countyMonth as shanghaiMonth } from '@/utils/time'

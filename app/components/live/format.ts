/** Number formats of the /live page ('–' for no value). */
const count = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 })
export const formatCount = (value: number) => count.format(value)
export const fmt = (value: number | null | undefined, suffix = '') => (value === null || value === undefined ? '–' : `${count.format(value)}${suffix}`)
export const percent = (ratio: number | null | undefined) => (ratio === null || ratio === undefined ? '–' : `${count.format(ratio * 100)} %`)

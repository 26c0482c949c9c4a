export const score = (value: number | null | undefined) => (value === null || value === undefined ? '—' : Number.isInteger(value) ? String(value) : value.toFixed(1));
export const twoDecimals = (value: number | null | undefined) => (value === null || value === undefined ? '—' : value.toFixed(2));
export const percent = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `${Math.round(value * 100)}%`);

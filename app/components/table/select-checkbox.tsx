import { useEffect, useRef } from 'react'

/** A row (or "whole page") selection checkbox that can show "some selected" (indeterminate is a DOM property). */
export function SelectCheckbox({ checked, indeterminate = false, onChange, label }: { checked: boolean; indeterminate?: boolean; onChange: (event: unknown) => void; label: string }) {
  const ref = useRef<HTMLInputElement>(null)
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = indeterminate && !checked
  }, [indeterminate, checked])
  return <input ref={ref} type="checkbox" className="select-checkbox" checked={checked} onChange={onChange} aria-label={label} />
}

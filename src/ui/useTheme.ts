import { useLayoutEffect } from 'react'
import { usePrefs } from '../state/prefs.ts'

/**
 * Puts the person's theme on <html data-theme="light|dark"> (none: the system's choice), before
 * the browser paints, so a reload in dark mode does not flash light.
 */
export function useTheme(): void {
  const theme = usePrefs((s) => s.theme)
  useLayoutEffect(() => {
    const root = document.documentElement
    if (theme === 'system') delete root.dataset.theme
    else root.dataset.theme = theme
  }, [theme])
}

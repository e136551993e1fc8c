import { useLayoutEffect } from 'react'
import { usePrefs } from '../state/prefs.ts'

/**
 * Puts the person's theme on <html data-theme="light|dark"> (none: the system's choice), where
 * styles.css sets color-scheme from it, and on <meta name="color-scheme"> (the canvas before
 * styles). index.html's inline script did the same before the first paint; main.tsx loads the
 * choice into the prefs store before the first render, so this never undoes it.
 */
export function useTheme(): void {
  const theme = usePrefs((s) => s.theme)
  useLayoutEffect(() => {
    const root = document.documentElement
    if (theme === 'system') delete root.dataset.theme
    else root.dataset.theme = theme
    const meta = document.querySelector<HTMLMetaElement>('meta[name="color-scheme"]')
    if (meta) meta.content = theme === 'system' ? 'light dark' : theme
  }, [theme])
}

import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.tsx'
import { boot } from './connect.ts'
import { registerServiceWorker } from './pwa/register.ts'
import './styles.css'

// Started outside React: StrictMode runs effects twice, and there must be one client.
void boot()
registerServiceWorker()

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)

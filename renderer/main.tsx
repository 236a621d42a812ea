// First: it must configure zod before any module below builds a schema.
import './zod-jitless.ts';
import '@mantine/core/styles.css';
import './app.css';
import { MantineProvider, createTheme } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BridgeProvider } from './bridge/bridge-react.tsx';
import { createBridge } from './bridge/create-bridge.ts';
import { App } from './features/app-shell/App.tsx';

const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'sm',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
});

// Created before the first render: it takes the token out of the address bar before any route is read.
const bridge = createBridge();
const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');

createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <BridgeProvider client={bridge}>
        <App />
      </BridgeProvider>
    </MantineProvider>
  </StrictMode>,
);

// Renderer entry: mounts the studio window with Pinia. A plain web page — it reaches the platform only through the
// `studio` host object (host.ts: the desktop preload, or the web host over HTTP + WebSocket), never Node or Electron.

import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';

createApp(App).use(createPinia()).mount('#app');

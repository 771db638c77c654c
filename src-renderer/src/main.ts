// Renderer entry: mounts the studio page with Pinia. A plain web page — it reaches the platform only through the
// `studio` host object (the desktop preload or, later, the web host), never through Node or Electron.

import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';

createApp(App).use(createPinia()).mount('#app');

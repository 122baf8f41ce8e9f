/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

interface Window {
  /* public/boot.js: the session refresh started before the app loaded. */
  __ftEarlyRefresh?: Promise<Response>;
  /* Set once the app has sent a refresh itself: public/boot.js then keeps out. */
  __ftAppRefreshed?: boolean;
}

// The part of jsdom that the render tests use. @types/jsdom is not installed because it loads the
// DOM library into every file of the TypeScript program, which changes Node's fetch types.
declare module 'jsdom' {
  export class JSDOM {
    constructor(html?: string);
    readonly window: Window & typeof globalThis;
  }
}

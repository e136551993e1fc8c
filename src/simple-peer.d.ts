// simple-peer ships no types. The app uses it only through the library's PeerLike port, so
// that is the type it gets: the one surface the session code relies on.
declare module '@thaunknown/simple-peer/lite.js' {
  const Peer: new (
    opts: import('./openpeer/index.ts').PeerOptions,
  ) => import('./openpeer/index.ts').PeerLike
  export default Peer
}

// Node hosts (tests, benches) import the full build; options beyond PeerOptions are allowed.
declare module '@thaunknown/simple-peer' {
  const Peer: new (
    opts: import('./openpeer/index.ts').PeerOptions | Record<string, unknown>,
  ) => import('./openpeer/index.ts').PeerLike
  export default Peer
}

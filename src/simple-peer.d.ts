// simple-peer ships no types. The app uses it only through the library's PeerLike port (made by
// simplePeerFactory, which adds `connection`), so that surface, less `connection`, is its type.
declare module '@thaunknown/simple-peer/lite.js' {
  const Peer: new (
    opts: import('./openpeer/index.ts').PeerOptions,
  ) => Omit<import('./openpeer/index.ts').PeerLike, 'connection'>
  export default Peer
}

// Node hosts (tests, benches) import the full build; options beyond PeerOptions are allowed.
declare module '@thaunknown/simple-peer' {
  const Peer: new (
    opts: import('./openpeer/index.ts').PeerOptions | Record<string, unknown>,
  ) => Omit<import('./openpeer/index.ts').PeerLike, 'connection'>
  export default Peer
}

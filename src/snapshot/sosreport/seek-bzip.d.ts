declare module 'seek-bzip' {
  interface ByteSink {
    writeByte(byte: number): void;
  }
  const Bunzip: {
    decode(input: Buffer | Uint8Array, output?: number | Buffer | ByteSink, multistream?: boolean): Buffer;
  };
  export default Bunzip;
}

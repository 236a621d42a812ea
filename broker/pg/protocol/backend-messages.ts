import { BackendCode } from './message-codes.ts';
import { MessageBuilder } from './message-builder.ts';

/** The fields of an ErrorResponse or NoticeResponse, keyed by their one-letter codes. */
export interface NoticeFields {
  severity: 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: number;
}

function noticeBody(f: NoticeFields): MessageBuilder {
  const b = new MessageBuilder();
  b.int8(0x53).cstring(f.severity); // S
  b.int8(0x56).cstring(f.severity); // V (non-localized)
  b.int8(0x43).cstring(f.code); // C
  b.int8(0x4d).cstring(f.message); // M
  if (f.detail !== undefined) b.int8(0x44).cstring(f.detail);
  if (f.hint !== undefined) b.int8(0x48).cstring(f.hint);
  if (f.position !== undefined) b.int8(0x50).cstring(String(f.position));
  b.int8(0);
  return b;
}

export const backend = {
  errorResponse: (f: NoticeFields): Buffer => noticeBody(f).build(BackendCode.ErrorResponse),
  noticeResponse: (f: NoticeFields): Buffer => noticeBody(f).build(BackendCode.NoticeResponse),
  authenticationOk: (): Buffer => new MessageBuilder().int32(0).build(BackendCode.Authentication),
  authenticationCleartextPassword: (): Buffer => new MessageBuilder().int32(3).build(BackendCode.Authentication),
  authenticationSasl: (mechanisms: string[]): Buffer => {
    const b = new MessageBuilder().int32(10);
    for (const m of mechanisms) b.cstring(m);
    return b.int8(0).build(BackendCode.Authentication);
  },
  authenticationSaslContinue: (data: Buffer): Buffer =>
    new MessageBuilder().int32(11).bytes(data).build(BackendCode.Authentication),
  authenticationSaslFinal: (data: Buffer): Buffer =>
    new MessageBuilder().int32(12).bytes(data).build(BackendCode.Authentication),
  parameterStatus: (name: string, value: string): Buffer =>
    new MessageBuilder().cstring(name).cstring(value).build(BackendCode.ParameterStatus),
  backendKeyData: (processId: number, secretKey: number): Buffer =>
    new MessageBuilder().int32(processId).int32(secretKey).build(BackendCode.BackendKeyData),
  readyForQuery: (status: 'I' | 'T' | 'E'): Buffer =>
    new MessageBuilder().int8(status.charCodeAt(0)).build(BackendCode.ReadyForQuery),
  negotiateProtocolVersion: (minorSupported: number, unrecognized: string[]): Buffer => {
    const b = new MessageBuilder().int32((3 << 16) | minorSupported).int32(unrecognized.length);
    for (const o of unrecognized) b.cstring(o);
    return b.build(BackendCode.NegotiateProtocolVersion);
  },
  commandComplete: (tag: string): Buffer => new MessageBuilder().cstring(tag).build(BackendCode.CommandComplete),
  dataRow: (values: (Buffer | null)[]): Buffer => {
    const b = new MessageBuilder().int16(values.length);
    for (const v of values) {
      if (v === null) b.int32(-1);
      else b.int32(v.length).bytes(v);
    }
    return b.build(BackendCode.DataRow);
  },
};

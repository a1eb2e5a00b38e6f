// The one chunk that brings zod to the browser: the schemas of the frames sockets receive.
export { InboxFrame } from "../../src/shared/protocol/inbox-frames";
export { ServerFrame } from "../../src/shared/protocol/room-frames";

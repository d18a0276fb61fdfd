// Preloaded into Netlify's local emulation: every server it starts without naming a host listens
// on 127.0.0.1 only (Node's default is every interface), so a local run is never reachable from
// the network it is on.
import net from "node:net";

const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first, second] = args;
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    if (typeof second !== "string") args.splice(1, 0, "127.0.0.1");
  } else if (typeof first === "object" && first !== null && first.host === undefined && first.path === undefined) {
    args[0] = { ...first, host: "127.0.0.1" };
  }
  return listen.apply(this, args);
};

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hostAddress, ipv6Words, isPublicAddress } from "../../src/images/address-policy.js";

describe("image URL address rule", () => {
  test("public unicast addresses are allowed", () => {
    for (const a of ["8.8.8.8", "1.1.1.1", "140.82.112.3", "2606:4700::1111", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]) {
      assert.equal(isPublicAddress(a), true, a);
    }
  });

  test("loopback, private, link-local, CGNAT, ULA, multicast, reserved and unspecified are refused, also inside IPv6", () => {
    const refused = [
      "127.0.0.1", "127.255.255.254", "0.0.0.0", "0.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1",
      "169.254.169.254", "100.64.0.1", "100.127.255.255", "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.1", "203.0.113.1",
      "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
      "::", "::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0:127.0.0.1", "::127.0.0.1",
      "64:ff9b::127.0.0.1", "64:ff9b:1::1", "2002:7f00:1::1", "2002:c0a8:101::1", "2001::1", "2001:db8::1",
      "fc00::1", "fd00:ec2::254", "fe80::1", "fe80::1%eth0", "fec0::1", "ff02::1", "100::1",
      "not-an-address", "",
    ];
    for (const a of refused) assert.equal(isPublicAddress(a), false, a);
  });

  test("numeric host spellings are read as the address they are", () => {
    const host = (u: string) => hostAddress(new URL(u));
    assert.equal(host("http://127.1/"), "127.0.0.1");
    assert.equal(host("http://2130706433/"), "127.0.0.1");
    assert.equal(host("http://0x7f.0.0.1/"), "127.0.0.1");
    assert.equal(host("http://0177.0.0.1/"), "127.0.0.1");
    assert.equal(host("http://[::ffff:127.0.0.1]/"), "::ffff:7f00:1");
    assert.equal(host("http://[::1]:8080/"), "::1");
    assert.equal(host("http://localhost/"), undefined);
    assert.equal(host("http://example.com/"), undefined);
  });

  test("IPv6 text is expanded to its eight words", () => {
    assert.deepEqual(ipv6Words("::1"), [0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(ipv6Words("::ffff:1.2.3.4"), [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    assert.deepEqual(ipv6Words("2001:db8:0:0:0:0:2:1"), [0x2001, 0xdb8, 0, 0, 0, 0, 2, 1]);
    assert.equal(ipv6Words("1::2::3"), undefined);
    assert.equal(ipv6Words("1:2:3"), undefined);
    assert.equal(ipv6Words("::1.2.3.400"), undefined);
  });
});

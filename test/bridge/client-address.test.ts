/**
 * bridge/client-address.ts, the address the rate limits count (the peer, or the entry the trusted proxies wrote),
 * on the forms an X-Forwarded-For header and an IPv6 address can take beyond rate-limits.test.ts' cases.
 */
import { expect } from 'chai';
import { addressKey, clientAddress } from '../../bridge/client-address.js';

describe('bridge: the client address, odd forms', () => {
  it('reads X-Forwarded-For with spaces and empty entries the way the proxies wrote it', () => {
    expect(clientAddress('10.0.0.1', '1.2.3.4, ', 1)).to.equal('1.2.3.4');
    expect(clientAddress('10.0.0.1', ' 6.6.6.6 ,, 1.2.3.4 ,', 1)).to.equal('1.2.3.4');
    expect(clientAddress('10.0.0.1', ' , ', 1)).to.equal('10.0.0.1');
  });

  it('keeps an IPv6 /64 whatever the zero compression or the case, with all eight groups counted', () => {
    expect(addressKey('2001:0DB8:0001:0002::')).to.equal('2001:db8:1:2::/64');
    expect(addressKey('2001::1:2:3:4:5')).to.equal('2001:0:0:1::/64');
    expect(addressKey('::a:b:c:d:e:f:1')).to.equal('0:a:b:c::/64');
    expect(addressKey('::')).to.equal('0:0:0:0::/64');
  });

  it('takes only a real IPv4-mapped address as IPv4 (any case, every octet of up to three digits)', () => {
    expect(addressKey('::FFFF:192.168.10.200')).to.equal('192.168.10.200');
    expect(addressKey('1::ffff:1.2.3.4')).to.equal('1:0:0:0::/64');
    expect(addressKey('::ffff:1.2.3.4567')).to.equal('::ffff:1.2.3.4567');
  });
});

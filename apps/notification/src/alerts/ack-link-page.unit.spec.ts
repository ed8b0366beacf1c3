import { ackLinkPage } from './ack-links';

describe('the page an ack link opens', () => {
  it('quotes what it acknowledges escaped (stored values), and acknowledges only from a button that posts', () => {
    const page = ackLinkPage('Acknowledge alert', `lift <b>"stuck"</b> & 'B7'`, "I've got it (确认接单)");
    expect(page).toContain('<title>Acknowledge alert</title>');
    expect(page).toContain('<p>lift &#60;b&#62;&#34;stuck&#34;&#60;/b&#62; &#38; &#39;B7&#39;</p>');
    expect(page).toContain(`<form method="post"><button type="submit">I've got it (确认接单)</button></form>`);
  });
});

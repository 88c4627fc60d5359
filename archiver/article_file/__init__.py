"""The article file's format in one place: what the archiver writes and how it is read back.

`render` turns an article's fields into the file's bytes (front matter, body with the
`<!--more-->` divider, attachment list, source link: byte for byte as the sample); `parse`
splits such a file into front matter, body and attachments, and `front_matter` reads the fields
back for export, verify, repair and the site. Writer and readers live together so that they
cannot drift apart: `tests/test_article_file.py` renders, parses and renders every fixture
article again and must get the same bytes.
"""

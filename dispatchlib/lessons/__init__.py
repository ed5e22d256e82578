"""One module per lesson topic, each computing what its notebook shows: :mod:`.economics`
(02, and the headline numbers of 00), :mod:`.history` (01), :mod:`.sanctions` (03),
:mod:`.prospects` (04), :mod:`.implications` (05) and :mod:`.audit` (06, the claims audit)."""

#!/bin/sh
# NEW from OLD for benches/diff-facts.sh: 100 grants added (grant lines 1000-1099 of OLD
# again, each to the grantee of the grant 50 lines further on) and one role removed (the
# first Tenant Admin invitation without its role). Usage: benches/diff-facts-change.sh OLD > NEW
set -eu
awk '
function grantee(line) { match(line, / to [^ ]+ by /); return substr(line, RSTART + 4, RLENGTH - 8) }
/^grant / && ++g >= 1000 && g < 1150 { kept[g] = $0 }
/ as Tenant Admin\.$/ && !done { sub(/ as Tenant Admin\.$/, "."); done = 1 }
{ print }
END {
    for (i = 1000; i < 1100; i++) {
        to = grantee(kept[i + 50])
        line = kept[i]
        match(line, / to [^ ]+ by /)
        print substr(line, 1, RSTART - 1) " to " to " by " substr(line, RSTART + RLENGTH)
    }
}' "$1"

# Per file, what pg_prove's parser makes of it: TAP::Parser with pgTAP's source handler, the
# same psql command line pg_prove runs, on the database libpq's PG* variables name. One tab-separated line per file:
#   file planned run passed failed skipped todo exit has_problems
# (planned is -1 when there is no plan; passed counts a failing TODO test, as pg_prove does)
use strict;
use warnings;
use TAP::Parser;

for my $file (@ARGV) {
    my $parser = TAP::Parser->new({ source => $file, sources => { pgTAP => {} } });
    while (defined(my $line = $parser->next)) { }
    my $planned = defined $parser->tests_planned ? $parser->tests_planned : -1;
    print join("\t", $file, $planned, $parser->tests_run, scalar($parser->passed),
        scalar($parser->failed), scalar($parser->skipped), scalar($parser->todo),
        $parser->exit, $parser->has_problems ? 1 : 0), "\n";
}

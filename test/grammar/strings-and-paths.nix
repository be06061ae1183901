# SYNTAX TEST "source.nix" "the cases that break other Nix grammars"
let
  a = "}:";
#     ^^^^ string.quoted.double.nix
  b = ./modules/${name}.nix;
#     ^^^^^^^^^^ string.unquoted.path.nix
#               ^^ string.unquoted.path.nix meta.embedded.interpolation.nix punctuation.section.embedded.begin.nix
#                 ^^^^ meta.embedded.interpolation.nix variable.other.nix
#                      ^^^^ string.unquoted.path.nix
  c = ''
    echo ''${HOME} and ''' and ''\n
#        ^^^ string.quoted.other.indented.nix constant.character.escape.nix
#           ^^^^^^ string.quoted.other.indented.nix - meta.embedded.interpolation.nix
#                      ^^^ constant.character.escape.nix
#                              ^^^^ constant.character.escape.nix
    ids=${lib.concatStringsSep "," ids}
#       ^^ meta.embedded.interpolation.nix punctuation.section.embedded.begin.nix
#                              ^^^ meta.embedded.interpolation.nix string.quoted.double.nix
  '';
# ^^ string.quoted.other.indented.nix punctuation.definition.string.end.nix
  d = https://example.org/x.tar.gz;
#     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ string.unquoted.uri.nix
  e = <nixpkgs/nixos>;
#     ^^^^^^^^^^^^^^^ string.unquoted.spath.nix
  f = /* block */ a // { } ++ [ ];
#     ^^^^^^^^^^^ comment.block.nix
#                   ^^ keyword.operator.nix
#                          ^^ keyword.operator.nix
in f

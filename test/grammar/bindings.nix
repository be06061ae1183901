# SYNTAX TEST "source.nix" "bindings, formals, strings"
{ config, pkgs, lib ? null, ... }@args:
# <- meta.function.formals.nix punctuation.definition.formals.begin.nix
# ^^^^^^ variable.parameter.nix
#                     ^^^^ constant.language.nix
#                           ^^^ keyword.operator.ellipsis.nix
#                                 ^^^^ variable.parameter.nix
{
  boot.kernelParams = [ "intel_iommu=on" "iommu=pt" ];
# ^^^^ entity.other.attribute-name.nix
#     ^ punctuation.accessor.nix
#      ^^^^^^^^^^^^ entity.other.attribute-name.nix
#                   ^ keyword.operator.bind.nix
#                       ^ string.quoted.double.nix punctuation.definition.string.begin.nix
  description = "a }: b";
#               ^^^^^^^^ string.quoted.double.nix
#                   ^ string.quoted.double.nix - punctuation.separator.function.nix
  x = y: y + 1;
#     ^ variable.parameter.nix
#            ^ constant.numeric.nix
  "quoted name".value = rec { a = 1; };
# ^^^^^^^^^^^^^ string.quoted.double.nix
#                       ^^^ keyword.control.nix
#                             ^ entity.other.attribute-name.nix
  inherit (lib) mkIf;
# ^^^^^^^ keyword.control.nix
}
